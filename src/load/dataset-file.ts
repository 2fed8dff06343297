// Dataset files are untrusted input: a config names them, and a pull request can change the config.
// So a dataset path is resolved through every symlink and must land inside the workspace (or a folder
// the config lists in `dataset-roots`); it must be a regular file (a FIFO or a device would block the
// read forever, or never end) of a bounded size; and it is read whole, once, before any server boots.
import { existsSync } from 'node:fs';
import { constants, lstat, open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * A ShareGPT file is capped at 1 GiB: the file vLLM's CI uses (ShareGPT_V3_unfiltered_cleaned_split.json)
 * is about 642 MiB, and nothing larger is needed to sample a few thousand conversations.
 */
export const MAX_SHAREGPT_BYTES = 1024 * 1024 * 1024;
/** A sonnet text is capped at 64 MiB (vLLM's sonnet.txt is 20 KB; every line is counted through the server). */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** A reason a dataset file cannot be used, with the fix; the caller adds where the config names it. */
export class DatasetFileProblem extends Error {
  readonly hint: string;
  /** Where in the dataset file, for a syntax error (1-based). */
  readonly at: { line: number; column: number } | undefined;

  constructor(message: string, hint: string, at?: { line: number; column: number }) {
    super(message);
    this.name = 'DatasetFileProblem';
    this.hint = hint;
    this.at = at;
  }
}

/** The folders dataset files may be read from, each resolved through its symlinks. */
export interface DatasetRoots {
  /** Real paths; a file must be inside one of them. */
  roots: string[];
  /** How the workspace was chosen, for the fix line. */
  workspace: string;
}

/**
 * The workspace: $GITHUB_WORKSPACE when set (the checkout of the job), else the git repository that
 * holds the config file, else the config file's folder.
 */
export function workspaceOf(configFile: string, env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_WORKSPACE) return path.resolve(env.GITHUB_WORKSPACE);
  const dir = path.dirname(path.resolve(configFile));
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

/** The real path of a folder that should exist (a missing workspace still confines: to its name). */
export async function realFolder(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    return path.resolve(p);
  }
}

/** Whether `file` (a real path) is `root` or inside it. */
export function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** What a non-regular file is, in words. */
function kindOf(st: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MiB`;
}

/**
 * The real path of a dataset file, checked: it exists, it lies inside one of the roots (when roots
 * are given), and it is a regular file no larger than `maxBytes`.
 */
export async function checkDatasetPath(
  file: string,
  opts: { roots: DatasetRoots | null; maxBytes: number },
): Promise<{ real: string; size: number }> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const dangling = await lstat(file).then(
        (s) => s.isSymbolicLink(),
        () => false,
      );
      throw new DatasetFileProblem(
        dangling ? `the file is a symlink to nothing: ${file}` : `file not found: ${file}`,
        "check the path (relative paths are read from the config file's folder)",
      );
    }
    throw new DatasetFileProblem(
      `cannot read ${file}: ${code ?? (e as Error).message}`,
      'check that the file and its folders are readable',
    );
  }
  if (opts.roots && !opts.roots.roots.some((r) => isInside(r, real))) {
    const through = real === path.resolve(file) ? '' : ` (through a symlink, to ${real})`;
    throw new DatasetFileProblem(
      `${file} is outside the workspace${through}: dataset files are read from ${opts.roots.roots.join(', ')} only`,
      `move the file into the workspace (${opts.roots.workspace}), or add its folder to \`dataset-roots\` in the config`,
    );
  }
  const st = await stat(real);
  if (!st.isFile()) {
    const what = kindOf(st);
    throw new DatasetFileProblem(
      `${file} is ${what}, not a regular file`,
      st.isDirectory()
        ? 'give the path of the file inside the folder'
        : 'datasets are read whole before the server starts: copy the data into a regular file and point the path at it',
    );
  }
  if (st.size > opts.maxBytes) {
    throw new DatasetFileProblem(
      `${file} is ${mib(st.size)}, over the ${mib(opts.maxBytes)} limit for this kind of dataset`,
      `use a smaller file (a sample of it is enough: num-prompts requests are drawn from it)`,
    );
  }
  return { real, size: st.size };
}

/**
 * Reads a checked regular file whole. It is opened non-blocking and without following a symlink, and
 * checked again on the open descriptor, so a file swapped for a FIFO after the check cannot block the
 * read; at most the size seen then is read.
 */
export async function readDatasetBytes(real: string, maxBytes: number): Promise<Buffer> {
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);
  let fh;
  try {
    fh = await open(real, flags);
  } catch (e) {
    throw new DatasetFileProblem(
      `cannot open ${real}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'check that the file is readable and was not replaced while the run started',
    );
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new DatasetFileProblem(`${real} is ${kindOf(st)}, not a regular file`, 'point the path at a regular file');
    if (st.size > maxBytes)
      throw new DatasetFileProblem(`${real} is ${mib(st.size)}, over the ${mib(maxBytes)} limit`, 'use a smaller file');
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/** 1-based line and column (in characters) of a byte offset, computed without decoding the content. */
export function positionOf(buf: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, buf.length);
  for (let i = 0; i < end; i++) {
    if (buf[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  // UTF-8 continuation bytes (10xxxxxx) do not start a character.
  for (let i = lineStart; i < end; i++) if ((buf[i]! & 0xc0) !== 0x80) column++;
  return { line, column };
}

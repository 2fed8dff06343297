// Writes small config files into a fresh temporary directory for a test.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'vpg-config-'));
}

export async function writeConfig(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

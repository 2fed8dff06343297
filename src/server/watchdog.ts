// A watcher the server cannot outlive. The servers and benches we start run in process groups of
// their own, so nothing stops them when we die abruptly: a V8 heap-out-of-memory abort, SIGKILL or
// the OOM killer run no 'exit' handler. The watchdog is a tiny detached node process that reads a
// pipe only we hold the write end of; when we die, however we die, the kernel closes that end, the
// watchdog reads EOF and terminates every group we registered and did not report gone (SIGTERM,
// the group's grace, SIGKILL), with a line in the group's log saying so. It holds no secret: it is
// started with an empty environment and learns nothing but group ids, graces and log paths.
import { spawn, type ChildProcess } from 'node:child_process';

/** The watchdog's program (run with `node -e`): CommonJS, node built-ins only. */
const WATCHDOG_JS = `
const fs = require('fs');
const groups = new Map();
let buf = '';
let ended = false;
const alive = (g) => { try { process.kill(-g, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
// Zombies do not count (a container's PID 1 may never reap the orphans): /proc where it exists.
const live = (g) => {
  let names;
  try { names = fs.readdirSync('/proc'); } catch { return alive(g); }
  for (const n of names) {
    if (!/^[0-9]+$/.test(n)) continue;
    let t;
    try { t = fs.readFileSync('/proc/' + n + '/stat', 'utf8'); } catch { continue; }
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) === g && f[0] !== 'Z' && f[0] !== 'X') return true;
  }
  return false;
};
const note = (log, line) => { if (log) try { fs.appendFileSync(log, '[vllm-perf-gate] watchdog: ' + line + '\\n'); } catch {} };
const sweep = () => { for (const g of [...groups.keys()]) if (!alive(g)) groups.delete(g); };
const stopAll = () => {
  for (const g of [...groups.keys()]) if (!live(g)) groups.delete(g);
  if (groups.size === 0) process.exit(0);
  const t0 = Date.now();
  for (const [g, o] of groups) {
    note(o.log, 'the gate process ' + process.argv[1] + ' ended before stopping the server; SIGTERM to process group ' + g);
    try { process.kill(-g, 'SIGTERM'); } catch {}
  }
  const poll = setInterval(() => {
    for (const [g, o] of groups) {
      if (!live(g)) { note(o.log, 'process group ' + g + ' stopped'); groups.delete(g); continue; }
      if (Date.now() - t0 >= o.grace) {
        note(o.log, 'process group ' + g + ' still running ' + (o.grace >= 1000 ? Math.round(o.grace / 1000) + ' s' : o.grace + ' ms') + ' after SIGTERM; SIGKILL');
        try { process.kill(-g, 'SIGKILL'); } catch {}
        groups.delete(g);
      }
    }
    if (groups.size === 0) { clearInterval(poll); process.exit(0); }
  }, 100);
};
for (const s of ['SIGINT', 'SIGHUP']) process.on(s, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (b) => {
  buf += b;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const [op, g, grace, log] = buf.slice(0, i).split('\\t');
    buf = buf.slice(i + 1);
    const pgid = Number(g);
    if (!(pgid > 1)) continue;
    if (op === 'add') groups.set(pgid, { grace: Number(grace) > 0 ? Number(grace) : 30000, log: log || '' });
    else if (op === 'del') groups.delete(pgid);
  }
});
process.stdin.on('end', () => { ended = true; stopAll(); });
process.stdin.on('error', () => { if (!ended) { ended = true; stopAll(); } });
// Groups that ended on their own are forgotten, so a later process given the same id is never hit.
setInterval(sweep, 1000);
`;

/** What the argv of a watchdog carries, to recognise it in `ps`. */
export const WATCHDOG_TAG = 'vllm-perf-gate-watchdog';

let watcher: ChildProcess | undefined;

function start(): ChildProcess | undefined {
  try {
    const child = spawn(process.execPath, ['-e', WATCHDOG_JS, String(process.pid), WATCHDOG_TAG], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: {},
    });
    child.once('error', () => {
      if (watcher === child) watcher = undefined;
    });
    child.once('exit', () => {
      if (watcher === child) watcher = undefined;
    });
    // A watchdog that died makes writes fail with EPIPE: forget it, the next group starts another.
    child.stdin!.on('error', () => {
      if (watcher === child) watcher = undefined;
    });
    // Neither the process nor its pipe keeps our event loop alive: we exit when our work is done.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return child;
  } catch {
    return undefined;
  }
}

function send(line: string, spawnIfNeeded: boolean): boolean {
  if (!watcher && spawnIfNeeded) watcher = start();
  const stdin = watcher?.stdin;
  if (!stdin || stdin.destroyed) return false;
  stdin.write(`${line}\n`);
  return true;
}

/**
 * Registers a process group for the watchdog to terminate if we die before `watchdogRelease`:
 * SIGTERM, `graceMs`, then SIGKILL; a line goes to `logPath` when given. Returns false when no
 * watchdog could be started (the 'exit' handler and the Action's post step still cover us).
 */
export function watchdogGuard(pgid: number, opts: { graceMs?: number; logPath?: string } = {}): boolean {
  const log = (opts.logPath ?? '').replace(/[\t\n]/g, ' ');
  return send(['add', pgid, Math.max(0, Math.round(opts.graceMs ?? 30_000)), log].join('\t'), true);
}

/** The group is gone (or no longer ours to stop): the watchdog forgets it. */
export function watchdogRelease(pgid: number): void {
  send(`del\t${pgid}`, false);
}

/** The watchdog's pid, while one runs (for tests and diagnostics). */
export function watchdogPid(): number | undefined {
  return watcher?.pid;
}

// The server's port: a free one picked for `auto`, or the configured one checked before booting, so
// that a busy port fails at once with the process holding it instead of after a 20-minute model load.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { GateError } from '../errors.js';

/** A port nothing listens on now (the OS picks it). */
export function pickFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = addr !== null && typeof addr === 'object' ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Whether we could listen on host:port right now. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export interface PortHolder {
  pid: number;
  command: string;
}

/**
 * The process listening on a TCP port, where the system tells: /proc/net/tcp{,6} gives the
 * socket's inode, /proc/<pid>/fd links name it (only our own user's processes are readable);
 * else `ss -ltnp`. Undefined when neither knows.
 */
export async function findPortHolder(port: number): Promise<PortHolder | undefined> {
  return fromProc(port) ?? (await fromSs(port));
}

function fromProc(port: number): PortHolder | undefined {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; inode is field 9.
      if (f.length > 9 && f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && f[9] !== '0') inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) return { pid: Number(pid), command: commandOf(Number(pid)) };
    }
  }
  return undefined;
}

function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (argv.length > 0) return argv.join(' ').slice(0, 200);
  } catch {
    // fall through
  }
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

function fromSs(port: number): Promise<PortHolder | undefined> {
  return new Promise((resolve) => {
    execFile('ss', ['-ltnpH', `sport = :${port}`], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      // users:(("python3",pid=1234,fd=20))
      const m = /users:\(\("([^"]*)",pid=(\d+)/.exec(stdout);
      resolve(m ? { pid: Number(m[2]), command: m[1]! } : undefined);
    });
  });
}

/** Throws GateError PORT_IN_USE, naming the port and the holder where known, when host:port is taken. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  if (await portIsFree(port, host)) return;
  const holder = await findPortHolder(port);
  const who = holder ? ` by process ${holder.pid} (${holder.command})` : '';
  throw new GateError('PORT_IN_USE', `port ${port} on ${host} is already in use${who}`, {
    where: { path: 'server.port' },
    hint: holder
      ? `stop process ${holder.pid} (a server left from an earlier job?), or set server.port: auto to pick a free port`
      : 'stop the process listening on it (ss -ltnp shows it), or set server.port: auto to pick a free port',
  });
}

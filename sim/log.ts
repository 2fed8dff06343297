// vLLM-like log lines: "(APIServer pid=N) INFO MM-DD HH:MM:SS [file.py:line] message".
const pid = process.pid;

function stamp(): string {
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export type Level = 'INFO' | 'WARNING' | 'ERROR';

export function logLine(proc: string, level: Level, where: string, msg: string): void {
  const line = `(${proc} pid=${pid}) ${level} ${stamp()} [${where}] ${msg}\n`;
  if (level === 'ERROR') process.stderr.write(line);
  else process.stdout.write(line);
}

export const api = (level: Level, where: string, msg: string): void => logLine('APIServer', level, where, msg);
export const core = (level: Level, where: string, msg: string): void => logLine('EngineCore_DP0', level, where, msg);

/** uvicorn's own lines ("INFO:     ..."). */
export function uvicorn(msg: string): void {
  process.stdout.write(`(APIServer pid=${pid}) INFO:     ${msg}\n`);
}

// What the benchmarks read of a process and print: CPU and memory from /proc, and Markdown tables.
import fs from 'node:fs';
import path from 'node:path';

/** The `dynamic-workflows` launcher (sidecar/bin): the benchmarks start the sidecar as users do. */
export const LAUNCHER = path.join(__dirname, '..', '..', 'bin', 'dynamic-workflows.js');

/** CPU time (user + system) a process has used so far, in ms. */
export function procCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return (ticks * 1000) / 100;
}

/** A process's peak (VmHWM) or current (VmRSS) resident memory, in MB. */
export function rss(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export const ms = (x: number): string => `${Math.round(x).toLocaleString('en-US')} ms`;
export const mb = (x: number): string => `${x.toFixed(0)} MB`;

export function table(rows: string[][]): string {
  const [head, ...body] = rows;
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

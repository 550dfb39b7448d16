// Prints benchmark figures in one format: records/s (by wall clock and by this process's CPU time, which other
// jobs on a shared machine disturb less), elapsed time, latency percentiles, memory.
import { loadavg } from 'node:os';
export interface Figure {
  readonly name: string;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly rssMb: number;
  /** CPU time (user + system) this process spent on the measured work. */
  readonly cpuSeconds?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly note?: string;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function printFigures(title: string, figures: readonly Figure[]): void {
  const [load1] = loadavg();
  console.log(
    `\n${title} (node ${process.version}${flags()}, load average ${load1.toFixed(2)}, ${new Date().toISOString()})`,
  );
  for (const f of figures) {
    const cpu =
      f.cpuSeconds === undefined ? '' : `  ${fmt(f.records / f.cpuSeconds).padStart(11)} records/cpu-s`;
    const latency =
      f.p50Ms === undefined ? '' : `  p50 ${f.p50Ms.toFixed(2)} ms  p99 ${(f.p99Ms ?? 0).toFixed(2)} ms`;
    console.log(
      `  ${f.name.padEnd(52)} ${fmt(f.recordsPerSecond).padStart(11)} records/s${cpu}` +
        `  (${fmt(f.records)} in ${f.seconds.toFixed(2)} s)${latency}  rss ${f.rssMb.toFixed(0)} MB` +
        (f.note ? `  ${f.note}` : ''),
    );
  }
}

/** Wall and CPU time of `work`, accumulated over several calls. */
export class Stopwatch {
  private wallNs = 0n;
  private cpuUs = 0;

  async time<T>(work: () => Promise<T> | T): Promise<T> {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.wallNs += process.hrtime.bigint() - start;
      const used = process.cpuUsage(cpu);
      this.cpuUs += used.user + used.system;
    }
  }

  get seconds(): number {
    return Number(this.wallNs) / 1e9;
  }

  get cpuSeconds(): number {
    return this.cpuUs / 1e6;
  }
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The V8 flags of the run (BENCH_NODE_FLAGS of scripts/bench.sh): figures depend on them. */
function flags(): string {
  const v8 = process.execArgv.filter(
    (a) => a.startsWith('--') && !a.startsWith('--import') && !a.startsWith('--require'),
  );
  return v8.length > 0 ? ` ${v8.join(' ')}` : ', default V8 flags';
}

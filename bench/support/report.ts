// Prints benchmark figures in one format: records/s, elapsed time, memory.
export interface Figure {
  readonly name: string;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly rssMb: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly note?: string;
}

export function printFigures(title: string, figures: readonly Figure[]): void {
  console.log(`\n${title} (node ${process.version}, ${new Date().toISOString()})`);
  for (const f of figures) {
    const latency =
      f.p50Ms === undefined ? '' : `  p50 ${f.p50Ms.toFixed(2)} ms  p99 ${(f.p99Ms ?? 0).toFixed(2)} ms`;
    console.log(
      `  ${f.name.padEnd(48)} ${Math.round(f.recordsPerSecond).toLocaleString('en-US').padStart(11)} records/s` +
        `  (${f.records.toLocaleString('en-US')} in ${f.seconds.toFixed(2)} s)${latency}  rss ${f.rssMb.toFixed(0)} MB` +
        (f.note ? `  ${f.note}` : ''),
    );
  }
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// A changelog kept in a file so that it survives a process killed with SIGKILL (crash tests): a transaction's records
// and its commit marker are appended in one write, which is what "the Kafka transaction committed" means here.
// One JSON line per offset: a record, or a marker.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type {
  ChangelogBatch,
  ChangelogPartition,
  ChangelogReader,
} from '../../../../state/api/changelog-reader.js';
import type { ChangelogRecord, ChangelogWriter } from '../../../../state/api/store-runtime.js';

type Send = Parameters<ChangelogWriter['send']>[0];

interface Line {
  t?: string;
  p?: number;
  k?: string;
  v?: string | null;
  ts?: number;
  marker?: true;
}

export class FileChangelog implements ChangelogWriter, ChangelogReader {
  private pending: Send[] = [];

  constructor(readonly path: string) {}

  send(record: Send): void {
    this.pending.push(record);
  }

  commitTransaction(): void {
    const lines = this.pending.map((r) =>
      JSON.stringify({
        t: r.topic,
        p: r.partition,
        k: r.key.toString('hex'),
        v: r.value === null ? null : r.value.toString('hex'),
        ts: r.timestamp,
      }),
    );
    lines.push(JSON.stringify({ marker: true }));
    appendFileSync(this.path, `${lines.join('\n')}\n`);
    this.pending = [];
  }

  abortTransaction(): void {
    this.pending = [];
  }

  /** Records of one partition, with offsets (line numbers) over the whole file as in one Kafka partition per topic. */
  records(changelog: ChangelogPartition): ChangelogRecord[] {
    if (!existsSync(this.path)) return [];
    const out: ChangelogRecord[] = [];
    const lines = readFileSync(this.path, 'utf8').split('\n');
    let offset = 0;
    for (const text of lines) {
      if (text === '') continue;
      const line = JSON.parse(text) as Line;
      if (!line.marker && line.t === changelog.topic && line.p === changelog.partition) {
        out.push({
          key: Buffer.from(line.k!, 'hex'),
          value: line.v === null || line.v === undefined ? null : Buffer.from(line.v, 'hex'),
          timestamp: line.ts!,
          offset,
        });
      }
      offset++;
    }
    return out;
  }

  /** The end offset every topic shares (offsets count lines of all topics, like a single log). */
  end(): number {
    if (!existsSync(this.path)) return 0;
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => l !== '').length;
  }

  endOffsets(topics: readonly string[]): Map<string, number> {
    const end = this.end();
    return new Map(topics.map((t) => [t, end]));
  }

  async beginningOffset(): Promise<number> {
    return 0;
  }

  async endOffset(): Promise<number> {
    return this.end();
  }

  async read(changelog: ChangelogPartition, fromOffset: number, maxRecords: number): Promise<ChangelogBatch> {
    const end = this.end();
    const records = this.records(changelog)
      .filter((r) => r.offset >= fromOffset)
      .slice(0, maxRecords);
    const nextOffset = records.length === maxRecords ? records[records.length - 1].offset + 1 : end;
    return { records, nextOffset: Math.max(nextOffset, Math.min(end, fromOffset + 1)) };
  }
}

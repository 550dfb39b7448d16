// What the windowed-operator tests share: serdes and a compact form of windowed output records.
import { Serdes, type TestRecord, type Windowed } from 'tributary';

export const S = Serdes.string();
export const L = Serdes.long();
export const WS = Serdes.windowed(S);

export type WindowedRow<V> = [key: string, start: number, end: number, value: V, timestamp: number];

/** [key, window start, window end, value, timestamp] per record. */
export function windowedRows<V>(records: readonly TestRecord<Windowed<string>, V>[]): WindowedRow<V>[] {
  return records.map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp]);
}

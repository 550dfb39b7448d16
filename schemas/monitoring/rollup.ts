import { MONITORING_NAMESPACE } from './namespace.js';

/** The aggregate of one series over one window (1 minute, 5 minutes, 1 hour). */
export interface Rollup {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Epoch ms, inclusive. */
  readonly windowStart: number;
  /** Epoch ms, exclusive. */
  readonly windowEnd: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** The serialized quantile sketch, so rollups of short windows merge into rollups of longer ones. */
  readonly sketch: Buffer;
}

export const rollupSchema = {
  type: 'record',
  name: 'Rollup',
  namespace: MONITORING_NAMESPACE,
  doc: 'Aggregate of one series over one window. Percentiles come from the sketch (1% relative accuracy).',
  fields: [
    { name: 'name', type: 'string', doc: 'Metric name of the series.' },
    { name: 'labels', type: { type: 'map', values: 'string' }, doc: 'Labels of the series.' },
    { name: 'windowStart', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'Inclusive.' },
    { name: 'windowEnd', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'Exclusive.' },
    { name: 'count', type: 'long' },
    { name: 'sum', type: 'double' },
    { name: 'min', type: 'double' },
    { name: 'max', type: 'double' },
    { name: 'avg', type: 'double' },
    { name: 'p50', type: 'double' },
    { name: 'p95', type: 'double' },
    { name: 'p99', type: 'double' },
    { name: 'sketch', type: 'bytes', doc: 'DDSketch in Tributary sketch format v1 (docs/schemas.md).' },
  ],
} as const;

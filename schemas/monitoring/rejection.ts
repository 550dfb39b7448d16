import { type RejectionReason, rejectionReasonSchema } from './enums.js';
import { type Metric, metricSchema } from './metric.js';
import { MONITORING_NAMESPACE } from './namespace.js';

/** A metric the cardinality guard refused, published to `metrics.rejected`. */
export interface Rejection {
  readonly reason: RejectionReason;
  /** The labels that caused the rejection (empty when the metric name or the whole record is at fault). */
  readonly labels: readonly string[];
  /** Every problem found, for humans. */
  readonly message: string;
  /** The rejected metric, when it could be decoded. */
  readonly metric: Metric | null;
  /** The original record bytes, when they could not be decoded as a Metric. */
  readonly raw: Buffer | null;
  /** Timestamp of the rejected record, epoch ms. */
  readonly timestamp: number;
}

export const rejectionSchema = {
  type: 'record',
  name: 'Rejection',
  namespace: MONITORING_NAMESPACE,
  doc: 'A metric refused by the cardinality guard, with the reason and the offending labels.',
  fields: [
    { name: 'reason', type: rejectionReasonSchema },
    { name: 'labels', type: { type: 'array', items: 'string' }, default: [], doc: 'Offending label names.' },
    { name: 'message', type: 'string' },
    { name: 'metric', type: ['null', metricSchema], default: null, doc: 'The metric, when decodable.' },
    { name: 'raw', type: ['null', 'bytes'], default: null, doc: 'Original bytes, when not decodable.' },
    { name: 'timestamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
} as const;

import type { MaybePromise, Processor, ProcessorContext, Serde, StreamRecord } from '../../../index.js';
import { SerdeNotReadyError } from '../../../index.js';
import type { Metric } from '../../../schemas/monitoring/metric.js';
import type { Rejection } from '../../../schemas/monitoring/rejection.js';
import { type LabelPolicy, validateLabels } from '../lib/guard/label-validation.js';
import { invalidTimestampRejection, labelRejection, undecodableRejection } from '../lib/guard/rejections.js';
import { seriesKey } from '../lib/series/series-key.js';
import type { GuardOutcome } from './guard-outcome.js';

type Bytes = Buffer | null;

/**
 * First stage of the guard, stateless: decodes each raw record itself (the source reads bytes, so that a record that
 * is not a Metric becomes a Rejection carrying its bytes instead of an error) and validates names and labels.
 * Valid samples leave keyed by metric name, for the repartition that brings every series of a metric to one task,
 * and stamped with their sample time; rejections leave keyed by series key (null when undecodable).
 */
export class MetricScreen implements Processor<Bytes, Bytes, string | null, GuardOutcome> {
  private ctx!: ProcessorContext<string | null, GuardOutcome>;

  constructor(
    private readonly metricSerde: Serde<Metric>,
    private readonly policy: LabelPolicy,
  ) {}

  init(context: ProcessorContext<string | null, GuardOutcome>): void {
    this.ctx = context;
  }

  process(record: StreamRecord<Bytes, Bytes>): MaybePromise<void> {
    const bytes = record.value;
    if (bytes === null)
      return this.reject(
        null,
        undecodableRejection(null, 'the record has no value', record.timestamp),
        record,
      );
    const topic = this.ctx.recordMetadata()?.topic ?? '';
    try {
      return this.screen(this.metricSerde.deserialize(topic, bytes, record.headers), record);
    } catch (error) {
      // A schema id this serde has not seen yet: fetch it once, then decode again (anything else is undecodable).
      if (error instanceof SerdeNotReadyError) {
        return error
          .prepare()
          .then(() => this.metricSerde.deserialize(topic, bytes, record.headers))
          .then(
            (metric) => this.screen(metric, record),
            (retryError) => this.undecodable(bytes, retryError, record),
          );
      }
      return this.undecodable(bytes, error, record);
    }
  }

  private screen(metric: Metric, record: StreamRecord<Bytes, Bytes>): MaybePromise<void> {
    if (metric.timestamp < 0)
      return this.reject(metric, invalidTimestampRejection(metric, record.timestamp), record);
    const problems = validateLabels(metric, this.policy);
    if (problems !== null)
      return this.reject(metric, labelRejection(metric, problems, record.timestamp), record);
    return this.ctx.forward({
      key: metric.name,
      value: { kind: 'metric', metric },
      timestamp: metric.timestamp,
      headers: record.headers,
    });
  }

  private undecodable(bytes: Buffer, error: unknown, record: StreamRecord<Bytes, Bytes>): MaybePromise<void> {
    return this.reject(null, undecodableRejection(bytes, error, record.timestamp), record);
  }

  private reject(
    metric: Metric | null,
    rejection: Rejection,
    record: StreamRecord<Bytes, Bytes>,
  ): MaybePromise<void> {
    return this.ctx.forward({
      key: metric === null ? null : seriesKey(metric.name, metric.labels),
      value: { kind: 'rejection', rejection },
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }
}

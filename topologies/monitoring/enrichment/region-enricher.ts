import type {
  MaybePromise,
  Metric,
  Processor,
  ProcessorContext,
  Serde,
  StreamRecord,
} from '../../../index.js';
import { SerdeNotReadyError } from '../../../index.js';

type Bytes = Buffer | null;

/** The labels replication adds to every metric it copies to the global topic. */
export const REPLICATION_LABELS = { sourceRegion: 'source_region', replicated: 'replicated' } as const;

/**
 * What the enricher forwards: a decoded metric with the region labels added, or a record it could not decode,
 * passed on unchanged (the global cardinality guard rejects it there with its bytes, as for any raw record).
 */
export type ReplicatedRecord =
  | { readonly kind: 'metric'; readonly metric: Metric }
  | { readonly kind: 'undecodable'; readonly bytes: Bytes };

export const isReplicatedMetric = (_key: unknown, record: ReplicatedRecord): boolean =>
  record.kind === 'metric';

export function replicatedMetricOf(record: ReplicatedRecord): Metric {
  if (record.kind !== 'metric')
    throw new TypeError(`region enrichment: expected a metric, got ${record.kind}`);
  return record.metric;
}

export function passedThroughOf(record: ReplicatedRecord): Bytes {
  if (record.kind !== 'undecodable')
    throw new TypeError(`region enrichment: expected raw bytes, got a metric`);
  return record.bytes;
}

/** Adds `source_region` and `replicated="true"`; the sample's name, value and timestamp stay as measured. */
export function withRegionLabels(metric: Metric, region: string): Metric {
  return {
    ...metric,
    labels: {
      ...metric.labels,
      [REPLICATION_LABELS.sourceRegion]: region,
      [REPLICATION_LABELS.replicated]: 'true',
    },
  };
}

export function isReplicated(metric: Metric): boolean {
  return metric.labels[REPLICATION_LABELS.replicated] === 'true';
}

/**
 * Decodes each record of one region's metrics topic and forwards it enriched with the region labels, under its
 * original key, timestamp and headers. A metric already marked replicated came from another region's replication
 * (active-active mirroring) and is dropped, counted: copying it again would count it twice in the global view.
 */
export class RegionEnricher implements Processor<Bytes, Bytes, Bytes, ReplicatedRecord> {
  private ctx!: ProcessorContext<Bytes, ReplicatedRecord>;

  constructor(
    private readonly region: string,
    private readonly metricSerde: Serde<Metric>,
  ) {}

  init(context: ProcessorContext<Bytes, ReplicatedRecord>): void {
    this.ctx = context;
  }

  process(record: StreamRecord<Bytes, Bytes>): MaybePromise<void> {
    const bytes = record.value;
    if (bytes === null) return this.passThrough(record);
    const topic = this.ctx.recordMetadata()?.topic ?? '';
    try {
      return this.enrich(this.metricSerde.deserialize(topic, bytes, record.headers), record);
    } catch (error) {
      if (!(error instanceof SerdeNotReadyError)) return this.passThrough(record);
      // A writer schema this serde has not seen: fetch it once, then decode again.
      return error
        .prepare()
        .then(() => this.metricSerde.deserialize(topic, bytes, record.headers))
        .then(
          (metric) => this.enrich(metric, record),
          () => this.passThrough(record),
        );
    }
  }

  private enrich(metric: Metric, record: StreamRecord<Bytes, Bytes>): MaybePromise<void> {
    if (isReplicated(metric)) {
      this.ctx.metrics.increment('dropped-records-total', {
        task: this.ctx.taskId.toString(),
        processor: `region-enrichment-${this.region}`,
        reason: 'already-replicated',
      });
      return;
    }
    return this.ctx.forward({
      key: record.key,
      value: { kind: 'metric', metric: withRegionLabels(metric, this.region) },
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }

  private passThrough(record: StreamRecord<Bytes, Bytes>): MaybePromise<void> {
    return this.ctx.forward({
      key: record.key,
      value: { kind: 'undecodable', bytes: record.value },
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }
}

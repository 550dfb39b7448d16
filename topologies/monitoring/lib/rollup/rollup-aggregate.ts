import type { TimeWindow } from '../../../../operators/api/record.js';
import type { Rollup } from '../../../../schemas/monitoring/rollup.js';
import type { Serde } from '../../../../schemas/serde.js';
import { SerializationError } from '../../../../schemas/serde.js';
import type { Series } from '../series/series-key.js';
import { DDSketch } from '../sketch/ddsketch.js';
import { decodeSketch, encodeSketch } from '../sketch/sketch-codec.js';

/**
 * The running aggregate of a rollup window: a DDSketch, which already keeps count, sum, min and max exactly besides
 * the quantiles, so one value serves every field of a Rollup and merges losslessly into longer windows.
 */
export type RollupAggregate = DDSketch;

export function emptyRollupAggregate(): RollupAggregate {
  return new DDSketch();
}

/**
 * Adds a sample in place and returns the aggregate (Kafka Streams aggregators may return the same object; copying a
 * sketch per record would dominate the cost). NaN (Prometheus' staleness marker) and infinities are skipped: they
 * have no place in a sum or a quantile.
 */
export function addSample(aggregate: RollupAggregate, value: number): RollupAggregate {
  if (Number.isFinite(value)) aggregate.add(value);
  return aggregate;
}

/** Adds every sample of `other` to `aggregate` in place; returns `aggregate`. */
export function mergeRollupAggregates(aggregate: RollupAggregate, other: RollupAggregate): RollupAggregate {
  aggregate.merge(other);
  return aggregate;
}

/** The Rollup record of a series for a closed window. */
export function toRollup(series: Series, window: TimeWindow, aggregate: RollupAggregate): Rollup {
  return {
    name: series.name,
    labels: series.labels,
    windowStart: window.start,
    windowEnd: window.end,
    count: aggregate.count,
    sum: aggregate.sum,
    min: aggregate.min,
    max: aggregate.max,
    avg: aggregate.count === 0 ? Number.NaN : aggregate.sum / aggregate.count,
    p50: aggregate.quantile(0.5),
    p95: aggregate.quantile(0.95),
    p99: aggregate.quantile(0.99),
    sketch: encodeSketch(aggregate),
  };
}

/** The aggregate a Rollup was made from, to merge 1-minute rollups into 5-minute and 1-hour ones. */
export function rollupAggregateOf(rollup: Rollup): RollupAggregate {
  return decodeSketch(rollup.sketch);
}

/** Store serde for rollup aggregates (window stores and their changelogs): the sketch format, ~60 bytes a minute. */
export const rollupAggregateSerde: Serde<RollupAggregate> = {
  name: 'ddsketch',
  serialize: (_topic, aggregate) => encodeSketch(aggregate),
  deserialize: (topic, data) => {
    try {
      return decodeSketch(data);
    } catch (e) {
      throw new SerializationError(`ddsketch serde (topic '${topic}'): ${(e as Error).message}`, 'ddsketch', {
        cause: e,
      });
    }
  },
};

// Region enrichment (MirrorMaker-style): regional metrics topics -> one global topic, labelled with their region.
import { type MonitoringSerdes, Serdes, StreamsBuilder, type Topology } from '../../index.js';
import {
  isReplicatedMetric,
  passedThroughOf,
  RegionEnricher,
  replicatedMetricOf,
} from './enrichment/region-enricher.js';

export interface RegionEnrichmentConfig {
  readonly serdes: MonitoringSerdes;
  /** Region name -> the topic(s) holding that region's metrics, e.g. `{ 'eu-west': 'eu-west.metrics.raw' }`. */
  readonly regions: Readonly<Record<string, string | readonly string[]>>;
  /** Where every region's metrics go (default `metrics.global`). */
  readonly globalTopic?: string;
}

export const DEFAULT_GLOBAL_METRICS_TOPIC = 'metrics.global';

const REGION_NAME = /^[a-zA-Z0-9_.-]+$/;

/**
 * Region enrichment, the transform step of multi-region replication: every metric of a region's topics is copied to
 * the global topic with the labels `source_region="<region>"` and `replicated="true"`, keeping its key, headers, the
 * record timestamp and the sample's own timestamp. Records that are not Metrics are copied unchanged (the global
 * cardinality guard rejects them with their bytes); metrics already marked replicated are not copied again.
 * Stateless, one sub-topology per region. A KafkaStreams application reads and writes one cluster: regional topics
 * on other clusters are brought over by MirrorMaker 2 (or read where the global topic lives).
 */
export function regionEnrichmentTopology(config: RegionEnrichmentConfig): Topology {
  const owner = 'regionEnrichmentTopology';
  const regions = Object.entries(config.regions);
  if (regions.length === 0) throw new RangeError(`${owner}: no regions given`);
  const globalTopic = config.globalTopic ?? DEFAULT_GLOBAL_METRICS_TOPIC;
  const seen = new Map<string, string>();
  for (const [region, topics] of regions) {
    if (!REGION_NAME.test(region)) {
      throw new RangeError(
        `${owner}: invalid region name ${JSON.stringify(region)} (letters, digits, _ . -)`,
      );
    }
    const list = typeof topics === 'string' ? [topics] : topics;
    if (list.length === 0) throw new RangeError(`${owner}: region '${region}' has no topics`);
    for (const topic of list) {
      if (topic === globalTopic)
        throw new RangeError(`${owner}: region '${region}' reads the global topic '${topic}'`);
      const other = seen.get(topic);
      if (other !== undefined)
        throw new RangeError(`${owner}: topic '${topic}' is given for regions '${other}' and '${region}'`);
      seen.set(topic, region);
    }
  }

  const B = Serdes.bytes();
  const builder = new StreamsBuilder();
  for (const [region, topics] of regions) {
    const name = `region-enrichment-${region}`;
    const split = builder
      .stream(typeof topics === 'string' ? topics : [...topics], { key: B, value: B, name: `${name}-input` })
      .process(() => new RegionEnricher(region, config.serdes.metric), { name: `${name}-enricher` })
      .split({ name: `${name}-` })
      .branch(isReplicatedMetric, { name: 'metric' })
      .defaultBranch({ name: 'undecodable' });
    split[`${name}-metric`]
      .mapValues(replicatedMetricOf)
      .to(globalTopic, { key: B, value: config.serdes.metric, name: `${name}-sink` });
    split[`${name}-undecodable`]
      .mapValues(passedThroughOf)
      .to(globalTopic, { key: B, value: B, name: `${name}-passthrough-sink` });
  }
  return builder.build();
}

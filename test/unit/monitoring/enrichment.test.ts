// Region enrichment on the driver: regional metrics topics -> the global topic, with source_region and
// replicated="true", original keys, headers and timestamps kept; undecodable records copied as they are; metrics
// already replicated not copied twice.
import {
  type Metric,
  type RegionEnrichmentConfig,
  regionEnrichmentTopology,
  Serdes,
  type TestInputTopic,
  TopologyTestDriver,
} from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { mockRegistry, NOON, OpenDrivers, preparedFor, SECOND, sample } from './topologies/support.js';

const S = Serdes.string();
const B = Serdes.bytes();
const GLOBAL = 'metrics.global';
const drivers = new OpenDrivers();
afterEach(drivers.closeAll);

async function open(
  regions: RegionEnrichmentConfig['regions'] = {
    'eu-west': 'eu-west.metrics.raw',
    'us-east': 'us-east.metrics.raw',
  },
) {
  const { serdes, clients } = mockRegistry();
  const driver = drivers.add(new TopologyTestDriver(regionEnrichmentTopology({ serdes, regions })));
  await driver.init();
  const metric = await preparedFor(clients.metric, 'eu-west.metrics.raw');
  await preparedFor(clients.metric, 'us-east.metrics.raw');
  await preparedFor(clients.metric, GLOBAL);
  const input = (topic: string): TestInputTopic<string, Metric> => driver.createInputTopic(topic, S, metric);
  return {
    driver,
    eu: input('eu-west.metrics.raw'),
    us: input('us-east.metrics.raw'),
    euBytes: driver.createInputTopic('eu-west.metrics.raw', S, B),
    global: driver.createOutputTopic(GLOBAL, S, metric),
    globalBytes: driver.createOutputTopic(GLOBAL, S, B),
  };
}

describe('region enrichment', () => {
  it('adds source_region and replicated="true" and keeps key, headers and both timestamps', async () => {
    const r = await open();
    const eu = sample('cpu_usage', { host: 'server-eu-123' }, 65.2, NOON);
    const us = sample('cpu_usage', { host: 'server-us-7' }, 40, NOON + SECOND);
    // The record was written 3 s after the sample was taken: both times survive replication.
    await r.eu.pipeInput('cpu_usage{host="server-eu-123"}', eu, NOON + 3 * SECOND, { collector: 'c-1' });
    await r.us.pipeInput(null, us, NOON + 4 * SECOND);
    const out = r.global.readRecordsToList();
    expect(out).toEqual([
      {
        key: 'cpu_usage{host="server-eu-123"}',
        value: { ...eu, labels: { host: 'server-eu-123', source_region: 'eu-west', replicated: 'true' } },
        timestamp: NOON + 3 * SECOND,
        headers: { collector: 'c-1' },
      },
      {
        key: null,
        value: { ...us, labels: { host: 'server-us-7', source_region: 'us-east', replicated: 'true' } },
        timestamp: NOON + 4 * SECOND,
        headers: {},
      },
    ]);
    expect(out[0].value?.timestamp).toBe(NOON);
  });

  it('overwrites a stale source_region label and does not copy a metric that is already replicated', async () => {
    const r = await open();
    await r.eu.pipeInput('a', sample('up', { source_region: 'elsewhere' }, 1, NOON), NOON);
    await r.eu.pipeInput('b', sample('up', { source_region: 'us-east', replicated: 'true' }, 1, NOON), NOON);
    expect(r.global.readValuesToList().map((m) => m.labels)).toEqual([
      { source_region: 'eu-west', replicated: 'true' },
    ]);
    expect(r.driver.metrics.total('dropped-records-total', { reason: 'already-replicated' })).toBe(1);
  });

  it('copies records that are not Metrics unchanged, for the global guard to reject with their bytes', async () => {
    const r = await open();
    await r.euBytes.pipeInput('junk', Buffer.from('not avro'), NOON);
    await r.euBytes.pipeInput('tombstone', null, NOON);
    const out = r.globalBytes.readRecordsToList();
    expect(out.map((o) => [o.key, o.value?.toString() ?? null, o.timestamp])).toEqual([
      ['junk', 'not avro', NOON],
      ['tombstone', null, NOON],
    ]);
  });

  it('reads several topics per region and refuses bad configurations', async () => {
    const { serdes } = mockRegistry();
    const topology = regionEnrichmentTopology({
      serdes,
      regions: { 'ap-south': ['ap-1.metrics', 'ap-2.metrics'] },
    });
    expect(topology.describe().subtopologies).toHaveLength(1);
    expect(() => regionEnrichmentTopology({ serdes, regions: {} })).toThrow(/no regions given/);
    expect(() => regionEnrichmentTopology({ serdes, regions: { 'eu west': 't' } })).toThrow(
      /invalid region name "eu west"/,
    );
    expect(() => regionEnrichmentTopology({ serdes, regions: { a: 't', b: 't' } })).toThrow(
      /topic 't' is given for regions 'a' and 'b'/,
    );
    expect(() => regionEnrichmentTopology({ serdes, regions: { a: GLOBAL } })).toThrow(
      /reads the global topic/,
    );
  });
});

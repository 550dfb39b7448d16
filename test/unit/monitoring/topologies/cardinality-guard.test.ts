import {
  type Alert,
  CARDINALITY_GUARD_STORES,
  type CardinalityGuardConfig,
  cardinalityGuardTopology,
  type Metric,
  metricSchema,
  type Rejection,
  Serdes,
  DEFAULT_MONITORING_TOPICS as T,
  type TestInputTopic,
  type TestOutputTopic,
  TopologyTestDriver,
} from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MINUTE,
  mockRegistry,
  NOON,
  OpenDrivers,
  preparedFor,
  type Registry,
  SECOND,
  sample,
  withStateDirectory,
} from './support.js';

const S = Serdes.string();

interface Guard {
  readonly driver: TopologyTestDriver;
  readonly raw: TestInputTopic<string, Metric>;
  readonly rawBytes: TestInputTopic<string, Buffer>;
  readonly valid: TestOutputTopic<string, Metric>;
  readonly rejected: TestOutputTopic<string | null, Rejection>;
  readonly alerts: TestOutputTopic<string, Alert>;
  counts(metric: string): Promise<number | undefined>;
}

const drivers = new OpenDrivers();
afterEach(drivers.closeAll);

async function guard(
  options: Omit<CardinalityGuardConfig, 'serdes'> = {},
  registry: Registry = mockRegistry(),
  stateDir?: string,
): Promise<Guard> {
  const { serdes, clients } = registry;
  const driver = new TopologyTestDriver(cardinalityGuardTopology({ serdes, ...options }), {
    ...(stateDir ? { stateDir } : {}),
  });
  drivers.add(driver);
  await driver.init();
  const metricOut = await preparedFor(clients.metric, T.raw);
  return {
    driver,
    raw: driver.createInputTopic(T.raw, S, metricOut),
    rawBytes: driver.createInputTopic(T.raw, S, Serdes.bytes()),
    valid: driver.createOutputTopic(T.valid, S, await preparedFor(clients.metric, T.valid)),
    rejected: driver.createOutputTopic<string | null, Rejection>(
      T.rejected,
      S,
      await preparedFor(clients.rejection, T.rejected),
    ),
    alerts: driver.createOutputTopic(T.alerts, S, await preparedFor(clients.alert, T.alerts)),
    counts: async (metric) =>
      (await driver.getKeyValueStore<string, { count: number }>(CARDINALITY_GUARD_STORES.counts).get(metric))
        ?.count,
  };
}

/** Pipes one sample per series `first..last` of a metric (series differ by their `path` label). */
async function pipeSeries(g: Guard, metric: string, first: number, last: number, at: number): Promise<void> {
  for (let i = first; i <= last; i++) await g.raw.pipeInput(null, sample(metric, { path: `/p${i}` }, 1, at));
}

describe('cardinality guard: label validation', () => {
  it('passes a valid sample to metrics.valid keyed by series key, at its sample time', async () => {
    const g = await guard();
    const cpu = sample('cpu_usage', { service: 'api', host: 'server-1' }, 65.2, NOON);
    await g.raw.pipeInput('collector-key', cpu, NOON + 5 * SECOND);
    expect(g.valid.readRecordsToList()).toEqual([
      { key: 'cpu_usage{host="server-1",service="api"}', value: cpu, timestamp: NOON, headers: {} },
    ]);
    expect(g.rejected.isEmpty()).toBe(true);
  });

  it('rejects blacklisted labels with the reason and the offending labels; the design-document example', async () => {
    const g = await guard();
    const bad = sample(
      'http_requests',
      { service: 'api', user_id: 'user_12345', request_id: 'req_abc' },
      1,
      NOON,
    );
    await g.raw.pipeInput(null, bad, NOON);
    const [rejection] = g.rejected.readRecordsToList();
    expect(rejection.key).toBe('http_requests{request_id="req_abc",service="api",user_id="user_12345"}');
    expect(rejection.value).toMatchObject({
      reason: 'blacklisted_label',
      labels: ['user_id', 'request_id'],
      metric: bad,
      raw: null,
      timestamp: NOON,
    });
    expect(rejection.value.message).toContain('"user_id", "request_id"');
    expect(g.valid.isEmpty()).toBe(true);
  });

  it('rejects each kind of invalid name or label, naming the offending labels', async () => {
    const g = await guard({ labels: { maxLabelValueBytes: 16, blacklist: ['session_id'] } });
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`l${i}`, 'v']));
    const cases: Array<[Metric, Rejection['reason'], string[]]> = [
      [sample('http-requests', { a: 'b' }, 1, NOON), 'invalid_metric_name', []],
      [sample('m', { 'bad-label': 'x' }, 1, NOON), 'invalid_label_name', ['bad-label']],
      [sample('m', { __name__: 'x' }, 1, NOON), 'reserved_label_name', ['__name__']],
      [sample('m', { session_id: 's' }, 1, NOON), 'blacklisted_label', ['session_id']],
      [sample('m', many, 1, NOON), 'too_many_labels', []],
      [sample('m', { a: '' }, 1, NOON), 'empty_label_value', ['a']],
      [sample('m', { a: 'x'.repeat(17) }, 1, NOON), 'oversized_label_value', ['a']],
    ];
    for (const [metric] of cases) await g.raw.pipeInput(null, metric, NOON);
    const rejections = g.rejected.readValuesToList();
    expect(rejections.map((r) => [r.reason, r.labels])).toEqual(
      cases.map(([, reason, labels]) => [reason, labels]),
    );
    expect(rejections.map((r) => r.metric)).toEqual(cases.map(([metric]) => metric));
    // user_id is not blacklisted under this policy and 20 labels are allowed: both pass.
    await g.raw.pipeInput(null, sample('m', { user_id: 'u' }, 1, NOON), NOON);
    await g.raw.pipeInput(
      null,
      sample('m', Object.fromEntries(Object.entries(many).slice(1)), 1, NOON),
      NOON,
    );
    expect(g.valid.readValuesToList()).toHaveLength(2);
  });

  it('rejects a negative sample time instead of placing it in a window', async () => {
    const g = await guard();
    await g.raw.pipeInput(null, sample('m', {}, 1, -5), NOON);
    expect(g.rejected.readValuesToList()).toMatchObject([
      {
        reason: 'undecodable',
        message: 'metric "m" rejected: sample timestamp -5 is negative',
        timestamp: NOON,
      },
    ]);
  });
});

describe('cardinality guard: undecodable input is never lost', () => {
  it('keeps the bytes of a record that is not a Metric, and keeps processing', async () => {
    const g = await guard();
    const garbage = Buffer.from('not avro at all');
    await g.rawBytes.pipeInput('k', garbage, NOON);
    await g.rawBytes.pipeInput('k', null, NOON + 1);
    await g.raw.pipeInput(null, sample('up', {}, 1, NOON + 2), NOON + 2);
    const rejected = g.rejected.readRecordsToList();
    expect(rejected.map((r) => [r.key, r.value.reason, r.value.raw, r.value.metric])).toEqual([
      [null, 'undecodable', garbage, null],
      [null, 'undecodable', null, null],
    ]);
    expect(rejected[0].value.message).toMatch(/^record is not a Metric: .*magic byte/);
    expect(rejected[1].value.message).toBe('record is not a Metric: the record has no value');
    expect(g.valid.readValuesToList()).toEqual([sample('up', {}, 1, NOON + 2)]);
  });

  it('reads a Metric written with another registered schema version (fetches the writer schema once)', async () => {
    const registry = mockRegistry();
    const g = await guard({}, registry);
    // A collector on a newer schema: an extra field with a default, registered under its own subject.
    const newer = {
      ...metricSchema,
      fields: [...metricSchema.fields, { name: 'unit', type: 'string', default: '' }],
    };
    const newerSerde = Serdes.avro<Metric & { unit: string }>(newer, registry.client, {
      subject: 'collector-v2',
    });
    await newerSerde.prepare?.({ topic: T.raw, isKey: false });
    const input = g.driver.createInputTopic(T.raw, S, newerSerde);
    await input.pipeInput(null, { ...sample('cpu', { host: 'a' }, 3, NOON), unit: 'percent' }, NOON);
    expect(g.valid.readValuesToList()).toEqual([sample('cpu', { host: 'a' }, 3, NOON)]);
    expect(g.rejected.isEmpty()).toBe(true);
  });
});

describe('cardinality guard: series limit per metric', () => {
  it('seed example: with 9,500 series a new one is accepted (9,501 / 10,000); at 10,000 the next is rejected', async () => {
    const g = await guard();
    await pipeSeries(g, 'http_requests', 1, 9_500, NOON);
    expect(await g.counts('http_requests')).toBe(9_500);
    await pipeSeries(g, 'http_requests', 9_501, 9_501, NOON + SECOND);
    expect(await g.counts('http_requests')).toBe(9_501);
    await pipeSeries(g, 'http_requests', 9_502, 10_000, NOON + 2 * SECOND);
    expect(await g.counts('http_requests')).toBe(10_000);
    expect(g.valid.readValuesToList()).toHaveLength(10_000);
    expect(g.rejected.isEmpty()).toBe(true);

    await pipeSeries(g, 'http_requests', 10_001, 10_001, NOON + 3 * SECOND);
    const [rejection] = g.rejected.readRecordsToList();
    expect(rejection.key).toBe('http_requests{path="/p10001"}');
    expect(rejection.value).toMatchObject({
      reason: 'cardinality_limit',
      labels: [],
      timestamp: NOON + 3 * SECOND,
    });
    expect(rejection.value.message).toContain('limit of 10000 series per metric');
    expect(g.valid.isEmpty()).toBe(true);
    expect(await g.counts('http_requests')).toBe(10_000);

    // Known series keep flowing; other metrics have limits of their own.
    await g.raw.pipeInput(null, sample('http_requests', { path: '/p1' }, 2, NOON + 4 * SECOND));
    await g.raw.pipeInput(null, sample('cpu_usage', { path: '/p10001' }, 2, NOON + 4 * SECOND));
    expect(g.valid.readValuesToList().map((m) => m.name)).toEqual(['http_requests', 'cpu_usage']);
    expect(g.rejected.isEmpty()).toBe(true);
  });

  it('raises HighCardinality once per period while new series are rejected, then resolves when the count falls', async () => {
    const g = await guard({
      cardinality: { maxSeriesPerMetric: 3, seriesInactivityMs: 10 * MINUTE, alertPeriodMs: 5 * MINUTE },
      sweepIntervalMs: MINUTE,
    });
    await pipeSeries(g, 'api_calls', 1, 3, NOON);
    await pipeSeries(g, 'api_calls', 4, 6, NOON + SECOND); // three rejections, one alert
    const [firing, ...others] = g.alerts.readRecordsToList();
    expect(others).toEqual([]);
    expect(firing.key).toBe(firing.value.fingerprint);
    expect(firing.value).toMatchObject({
      rule: 'HighCardinality',
      metric: 'api_calls',
      state: 'FIRING',
      labels: {},
      value: 3,
      threshold: 3,
      activeAt: NOON + SECOND,
      timestamp: NOON + SECOND,
    });
    expect(g.rejected.readValuesToList().map((r) => r.reason)).toEqual(Array(3).fill('cardinality_limit'));

    // Within the period: rejected, no new alert. After it: one reminder of the same episode.
    await pipeSeries(g, 'api_calls', 7, 7, NOON + 4 * MINUTE);
    expect(g.alerts.isEmpty()).toBe(true);
    await pipeSeries(g, 'api_calls', 8, 9, NOON + 6 * MINUTE + SECOND);
    expect(g.alerts.readValuesToList()).toMatchObject([
      { state: 'FIRING', fingerprint: firing.value.fingerprint, activeAt: NOON + SECOND },
    ]);
    expect(g.rejected.readValuesToList().map((r) => r.metric?.labels.path)).toEqual(['/p7', '/p8', '/p9']);

    // Series 2 and 3 keep reporting; series 1 goes silent and expires after 10 minutes: back under the limit.
    for (const at of [NOON + 5 * MINUTE, NOON + 9 * MINUTE]) {
      await g.raw.pipeInput(null, sample('api_calls', { path: '/p2' }, 1, at));
      await g.raw.pipeInput(null, sample('api_calls', { path: '/p3' }, 1, at));
    }
    expect(g.alerts.isEmpty()).toBe(true);
    await g.raw.pipeInput(null, sample('api_calls', { path: '/p2' }, 1, NOON + 11 * MINUTE));
    expect(g.alerts.readValuesToList()).toMatchObject([
      { state: 'RESOLVED', value: 2, activeAt: NOON + SECOND, timestamp: NOON + 11 * MINUTE },
    ]);
    expect(await g.counts('api_calls')).toBe(2);
    // The slot is free again: a new series is admitted.
    g.valid.readValuesToList();
    await pipeSeries(g, 'api_calls', 10, 10, NOON + 11 * MINUTE);
    expect(g.valid.readValuesToList().map((m) => m.labels.path)).toEqual(['/p10']);
    expect(g.rejected.isEmpty()).toBe(true);
  });

  it('expires series unseen for the inactivity period so that the count falls', async () => {
    const g = await guard({
      cardinality: { maxSeriesPerMetric: 2, seriesInactivityMs: 10 * MINUTE },
      sweepIntervalMs: MINUTE,
      lastSeenResolutionMs: MINUTE,
    });
    await pipeSeries(g, 'm', 1, 2, NOON);
    // Series 1 reports every 4 minutes (its last-seen time moves); series 2 never again.
    for (let t = 4; t <= 12; t += 4)
      await g.raw.pipeInput(null, sample('m', { path: '/p1' }, 1, NOON + t * MINUTE));
    expect(await g.counts('m')).toBe(1);
    const store = g.driver.getKeyValueStore<string, number>(CARDINALITY_GUARD_STORES.series);
    expect(await store.get('m{path="/p2"}')).toBeUndefined();
    expect(await store.get('m{path="/p1"}')).toBe(NOON + 12 * MINUTE);
  });

  it('out-of-order samples of a known series pass and do not move its last-seen time back', async () => {
    const g = await guard({ cardinality: { maxSeriesPerMetric: 1 }, lastSeenResolutionMs: 0 });
    await g.raw.pipeInput(null, sample('m', { a: '1' }, 1, NOON + MINUTE));
    await g.raw.pipeInput(null, sample('m', { a: '1' }, 2, NOON));
    await g.raw.pipeInput(null, sample('m', { a: '2' }, 3, NOON - MINUTE));
    expect(g.valid.readValuesToList().map((m) => m.value)).toEqual([1, 2]);
    expect(g.rejected.readValuesToList().map((r) => r.reason)).toEqual(['cardinality_limit']);
    expect(
      await g.driver.getKeyValueStore<string, number>(CARDINALITY_GUARD_STORES.series).get('m{a="1"}'),
    ).toBe(NOON + MINUTE);
  });

  it('keeps series and counts across a restart on the same state directory', async () => {
    await withStateDirectory(drivers, async (dir) => {
      const registry = mockRegistry();
      const config = { cardinality: { maxSeriesPerMetric: 2 } };
      const first = await guard(config, registry, dir);
      await pipeSeries(first, 'm', 1, 2, NOON);
      await first.driver.close();

      const second = await guard(config, registry, dir);
      expect(await second.counts('m')).toBe(2);
      await pipeSeries(second, 'm', 1, 3, NOON + MINUTE);
      expect(second.valid.readValuesToList().map((m) => m.labels.path)).toEqual(['/p1', '/p2']);
      expect(second.rejected.readValuesToList().map((r) => [r.reason, r.metric?.labels.path])).toEqual([
        ['cardinality_limit', '/p3'],
      ]);
    });
  });

  it('validates its configuration', () => {
    const { serdes } = mockRegistry();
    expect(() => cardinalityGuardTopology({ serdes, cardinality: { maxSeriesPerMetric: 0 } })).toThrow(
      /maxSeriesPerMetric must be a positive integer/,
    );
    expect(() => cardinalityGuardTopology({ serdes, sweepIntervalMs: 0 })).toThrow(
      /sweepIntervalMs must be a positive/,
    );
  });
});

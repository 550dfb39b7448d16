import {
  DDSketch,
  decodeSketch,
  type Metric,
  type Rollup,
  type RollupsConfig,
  rollupsTopology,
  Serdes,
  seriesKey,
  DEFAULT_MONITORING_TOPICS as T,
  type TestInputTopic,
  type TestOutputTopic,
  TopologyTestDriver,
} from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { normal, seededRandom } from '../random.js';
import {
  HOUR,
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

class Rollups {
  private constructor(
    readonly driver: TopologyTestDriver,
    private readonly samples: TestInputTopic<string, Metric>,
    readonly minute: TestOutputTopic<string, Rollup>,
    readonly fiveMinutes: TestOutputTopic<string, Rollup>,
    readonly hour: TestOutputTopic<string, Rollup>,
  ) {}

  static async open(
    config: Omit<RollupsConfig, 'serdes'> = {},
    registry: Registry = mockRegistry(),
    stateDir?: string,
  ): Promise<Rollups> {
    const { serdes, clients } = registry;
    const driver = new TopologyTestDriver(
      rollupsTopology({ serdes, ...config }),
      stateDir ? { stateDir } : {},
    );
    drivers.add(driver);
    await driver.init();
    const rollupReader = async (topic: string) =>
      driver.createOutputTopic(topic, S, await preparedFor(clients.rollup, topic));
    return new Rollups(
      driver,
      driver.createInputTopic(T.valid, S, await preparedFor(clients.metric, T.valid)),
      await rollupReader(T.rollup1m),
      await rollupReader(T.rollup5m),
      await rollupReader(T.rollup1h),
    );
  }

  async pipe(name: string, labels: Record<string, string>, value: number, timestamp: number): Promise<void> {
    await this.samples.pipeInput(seriesKey(name, labels), sample(name, labels, value, timestamp), timestamp);
  }
}

const drivers = new OpenDrivers();
afterEach(drivers.closeAll);

/** Exact lower quantile (the sample at rank floor(q * (n - 1))), which the sketch approximates within 1%. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

function expectWithinOnePercent(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected), what).toBeLessThanOrEqual(0.01 * Math.abs(expected));
}

const server1 = { host: 'server-1' };

describe('rollups: 1-minute windows', () => {
  it('seed example: 60 samples of cpu_usage{host="server-1"} in 12:00:00-12:00:59 -> one rollup at 12:00', async () => {
    const r = await Rollups.open({ graceMs: 10 * SECOND });
    // min 65.2 and max 75.1 as in the design document; the other 58 pair up around their mean so the sum is 4080.5.
    const values = [65.2, 75.1];
    const mean = (4080.5 - 65.2 - 75.1) / 58;
    for (let i = 0; i < 58; i++) values.push(mean + (i % 2 === 0 ? 1.5 + i / 100 : -1.5 - (i - 1) / 100));
    for (let i = 0; i < 60; i++) await r.pipe('cpu_usage', server1, values[i], NOON + i * SECOND);
    await r.pipe('cpu_usage', server1, 70, NOON + MINUTE + 9 * SECOND); // within grace: not closed yet
    expect(r.minute.isEmpty()).toBe(true);
    await r.pipe('cpu_usage', server1, 70, NOON + MINUTE + 10 * SECOND); // closes [12:00, 12:01)

    const rollups = r.minute.readRecordsToList();
    expect(rollups).toHaveLength(1);
    const [{ key, value: rollup }] = rollups;
    expect(key).toBe('cpu_usage{host="server-1"}');
    expect(rollup).toMatchObject({
      name: 'cpu_usage',
      labels: server1,
      windowStart: NOON,
      windowEnd: NOON + MINUTE,
      count: 60,
      min: 65.2,
      max: 75.1,
    });
    expect(rollup.sum).toBeCloseTo(4080.5, 9);
    expect(rollup.avg).toBeCloseTo(68.0, 1);
    expectWithinOnePercent(rollup.p50, exactQuantile(values, 0.5), 'p50');
    expectWithinOnePercent(rollup.p95, exactQuantile(values, 0.95), 'p95');
    expectWithinOnePercent(rollup.p99, exactQuantile(values, 0.99), 'p99');
    expect(decodeSketch(rollup.sketch).count).toBe(60);
  });

  it('emits exactly one final rollup per series and window, nothing in between', async () => {
    const r = await Rollups.open({ graceMs: 0 });
    const all: Rollup[] = [];
    for (let s = 0; s < 5 * 60; s += 5) {
      await r.pipe('req', { path: '/a' }, s, NOON + s * SECOND);
      if (s % 2 === 0) await r.pipe('req', { path: '/b' }, 1, NOON + s * SECOND);
      // Reading as we go: a rollup appears only once its window closed.
      for (const rollup of r.minute.readValuesToList()) {
        expect(rollup.windowEnd).toBeLessThanOrEqual(NOON + s * SECOND);
        all.push(rollup);
      }
    }
    await r.pipe('req', { path: '/a' }, 0, NOON + 10 * MINUTE);
    all.push(...r.minute.readValuesToList());
    expect(all.map((x) => [x.labels.path, (x.windowStart - NOON) / MINUTE, x.count])).toEqual(
      expect.arrayContaining([
        ['/a', 0, 12],
        ['/b', 0, 6],
        ['/a', 4, 12],
        ['/b', 4, 6],
      ]),
    );
    expect(all).toHaveLength(10);
    expect(new Set(all.map((x) => `${x.labels.path}@${x.windowStart}`)).size).toBe(10);
  });

  it('counts out-of-order samples within the grace period and drops later ones', async () => {
    const r = await Rollups.open({ graceMs: 30 * SECOND });
    await r.pipe('t', server1, 1, NOON + 10 * SECOND);
    await r.pipe('t', server1, 2, NOON + MINUTE + 20 * SECOND); // stream time 12:01:20
    await r.pipe('t', server1, 4, NOON + 50 * SECOND); // out of order, within grace: counts
    await r.pipe('t', server1, 8, NOON + MINUTE + 30 * SECOND); // closes [12:00, 12:01)
    await r.pipe('t', server1, 100, NOON + 55 * SECOND); // late: dropped
    await r.pipe('t', server1, 8, NOON + 3 * MINUTE);
    expect(
      r.minute.readValuesToList().map((x) => [(x.windowStart - NOON) / MINUTE, x.count, x.sum, x.max]),
    ).toEqual([
      [0, 2, 5, 4],
      [1, 2, 10, 8],
    ]);
  });

  it('a restart on the same state directory neither loses nor repeats a window', async () => {
    await withStateDirectory(drivers, async (dir) => {
      const registry = mockRegistry();
      const first = await Rollups.open({ graceMs: 0 }, registry, dir);
      for (let s = 0; s < 30; s++) await first.pipe('t', server1, 1, NOON + s * SECOND);
      await first.driver.close();

      const second = await Rollups.open({ graceMs: 0 }, registry, dir);
      for (let s = 30; s < 60; s++) await second.pipe('t', server1, 2, NOON + s * SECOND);
      await second.pipe('t', server1, 0, NOON + MINUTE);
      await second.pipe('t', server1, 0, NOON + 2 * MINUTE);
      expect(
        second.minute.readValuesToList().map((x) => [(x.windowStart - NOON) / MINUTE, x.count, x.sum]),
      ).toEqual([
        [0, 60, 90],
        [1, 1, 0],
      ]);
    });
  });

  it('validates its configuration', () => {
    const { serdes } = mockRegistry();
    expect(() => rollupsTopology({ serdes, windowsMs: { rollup5m: 90_000 } })).toThrow(
      'rollupsTopology: windowsMs.rollup5m (90000) must be a multiple of windowsMs.rollup1m (60000): it is merged from those windows',
    );
    expect(() => rollupsTopology({ serdes, graceMs: -1 })).toThrow(/graceMs must be a non-negative integer/);
  });
});

describe('rollups: 5-minute and 1-hour rollups merged from 1-minute rollups', () => {
  it('equal a direct computation on the raw samples (within the sketch bound; sketches identical)', async () => {
    const r = await Rollups.open({ graceMs: 10 * SECOND, mergeGraceMs: MINUTE });
    const random = seededRandom(42);
    const series = [{ host: 'a' }, { host: 'b' }, { host: 'c' }];
    const raw = new Map<string, Array<{ at: number; value: number }>>();
    for (let at = NOON; at < NOON + 2 * HOUR; at += 10 * SECOND) {
      for (const [i, labels] of series.entries()) {
        if (i === 2 && at >= NOON + 30 * MINUTE && at < NOON + 50 * MINUTE) continue; // a gap in one series
        const value = i === 1 ? normal(random, 50, 10) : Math.exp(normal(random, 3, 1));
        await r.pipe('latency', labels, value, at);
        const key = seriesKey('latency', labels);
        raw.set(key, [...(raw.get(key) ?? []), { at, value }]);
      }
    }
    // A clock series moves stream time on until every 1-hour window of the data has closed.
    for (const at of [NOON + 3 * HOUR, NOON + 3 * HOUR + 2 * MINUTE]) await r.pipe('clock', {}, 0, at);

    const check = (rollups: Rollup[], sizeMs: number, expectedWindows: number) => {
      const ours = rollups.filter((x) => x.name === 'latency' && x.windowEnd <= NOON + 2 * HOUR);
      expect(ours).toHaveLength(expectedWindows);
      expect(new Set(ours.map((x) => `${seriesKey(x.name, x.labels)}@${x.windowStart}`)).size).toBe(
        ours.length,
      );
      for (const rollup of ours) {
        expect(rollup.windowEnd - rollup.windowStart).toBe(sizeMs);
        const inside = (raw.get(seriesKey(rollup.name, rollup.labels)) ?? [])
          .filter((s) => s.at >= rollup.windowStart && s.at < rollup.windowEnd)
          .map((s) => s.value);
        const direct = new DDSketch();
        for (const v of inside) direct.add(v);
        const where = `${rollup.labels.host}@${(rollup.windowStart - NOON) / MINUTE}m`;
        expect(rollup.count, where).toBe(inside.length);
        expect(rollup.sum, where).toBeCloseTo(
          inside.reduce((a, b) => a + b, 0),
          6,
        );
        expect([rollup.min, rollup.max], where).toEqual([Math.min(...inside), Math.max(...inside)]);
        expect(rollup.avg, where).toBeCloseTo(rollup.sum / rollup.count, 9);
        for (const [q, value] of [
          [0.5, rollup.p50],
          [0.95, rollup.p95],
          [0.99, rollup.p99],
        ] as const) {
          expect(value, `${where} p${q * 100} equals the direct sketch`).toBe(direct.quantile(q));
          expectWithinOnePercent(value, exactQuantile(inside, q), `${where} p${q * 100}`);
        }
      }
    };
    // Series c has no samples from 12:30 to 12:50: four 5-minute windows without a rollup.
    check(r.fiveMinutes.readValuesToList(), 5 * MINUTE, 3 * 24 - 4);
    check(r.hour.readValuesToList(), HOUR, 3 * 2);
    // Series c has no samples from 12:30 to 12:50: twenty 1-minute windows without a rollup.
    check(r.minute.readValuesToList(), MINUTE, 3 * 120 - 20);
  });
});

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ALERTING_STORES,
  type Alert,
  type AlertingConfig,
  type AlertRule,
  type AlertRuleDefinition,
  alertFingerprint,
  alertingTopology,
  defineAlertRule,
  type InvalidRuleError,
  type Metric,
  Serdes,
  seriesKey,
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
const REFRESH = 10 * SECOND;
const at = (minutes: number, seconds = 0) => NOON + minutes * MINUTE + seconds * SECOND;

class Alerting {
  private constructor(
    readonly driver: TopologyTestDriver,
    private readonly samples: TestInputTopic<string, Metric>,
    private readonly rules: TestInputTopic<string, AlertRule>,
    readonly alerts: TestOutputTopic<string, Alert>,
  ) {}

  static async open(
    config: Omit<AlertingConfig, 'serdes'> = {},
    registry: Registry = mockRegistry(),
    stateDir?: string,
  ): Promise<Alerting> {
    const { serdes, clients } = registry;
    const driver = new TopologyTestDriver(
      alertingTopology({ serdes, graceMs: 0, ruleRefreshIntervalMs: REFRESH, ...config }),
      stateDir ? { stateDir } : {},
    );
    drivers.add(driver);
    await driver.init();
    return new Alerting(
      driver,
      driver.createInputTopic(T.valid, S, await preparedFor(clients.metric, T.valid)),
      driver.createInputTopic(T.alertRules, S, await preparedFor(clients.alertRule, T.alertRules)),
      driver.createOutputTopic(T.alerts, S, await preparedFor(clients.alert, T.alerts)),
    );
  }

  /** Writes a rule to `alert.rules` and lets the refresh pick it up (wall clock). */
  async putRule(definition: AlertRuleDefinition | AlertRule): Promise<AlertRule> {
    const rule = 'expr' in definition ? defineAlertRule(definition) : definition;
    await this.rules.pipeInput(rule.name, rule);
    await this.driver.advanceWallClockTime(REFRESH);
    return rule;
  }

  async deleteRule(name: string): Promise<void> {
    await this.rules.pipeInput(name, null);
    await this.driver.advanceWallClockTime(REFRESH);
  }

  async pipe(name: string, labels: Record<string, string>, value: number, timestamp: number): Promise<void> {
    await this.samples.pipeInput(seriesKey(name, labels), sample(name, labels, value, timestamp), timestamp);
  }

  /** One sample per second of `labels` over [from, to), values from `valueAt`. */
  async pipeRange(
    name: string,
    labels: Record<string, string>,
    from: number,
    to: number,
    valueAt: (i: number) => number,
  ): Promise<void> {
    for (let t = from, i = 0; t < to; t += SECOND, i++) await this.pipe(name, labels, valueAt(i), t);
  }

  read(): Alert[] {
    return this.alerts.readValuesToList();
  }
}

/** Directories named `name` under `root`. */
function findDirectories(root: string, name: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name === name)
    .map((entry) => join(entry.parentPath, entry.name));
}

const drivers = new OpenDrivers();
afterEach(drivers.closeAll);

const gateway = { service: 'api-gateway' };
/** The design document's samples: 80, 81, 84 repeating; any 300 (or 60) consecutive ones average 81.67. */
const seedValue = (i: number) => [80, 81, 84][i % 3];
const highCpu: AlertRuleDefinition = {
  name: 'HighCPUUsage',
  expr: 'avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 5m',
  severity: 'warning',
};
const brief = (a: Alert) => [a.state, (a.timestamp - NOON) / MINUTE, a.reason];

describe('alerting: seed example and the state machine', () => {
  it('HighCPUUsage avg(cpu_usage{service="api-gateway"}) > 80 for 5m, window avg 81.67 -> one FIRING alert', async () => {
    const a = await Alerting.open({ graceMs: 5 * SECOND });
    await a.putRule(highCpu);
    await a.pipeRange('cpu_usage', gateway, at(0), at(6, 6), seedValue); // up to 12:06:05, when [12:01, 12:06) closes
    const alerts = a.alerts.readRecordsToList();
    expect(alerts).toHaveLength(1);
    const [{ key, value: firing, timestamp }] = alerts;
    expect(key).toBe(alertFingerprint('HighCPUUsage', 'cpu_usage', gateway));
    expect(firing).toMatchObject({
      fingerprint: key,
      rule: 'HighCPUUsage',
      metric: 'cpu_usage',
      state: 'FIRING',
      labels: gateway,
      threshold: 80,
      comparison: 'gt',
      aggregation: 'avg',
      severity: 'warning',
      // PENDING from the first window (ending 12:01); FIRING once it held 5 minutes, on the window [12:01, 12:06).
      activeAt: at(1),
      timestamp: at(6),
      reason: null,
    });
    expect(firing.value).toBeCloseTo(81.67, 2);
    expect(timestamp).toBe(at(6));
    // The next evaluations, condition still true: nothing.
    await a.pipeRange('cpu_usage', gateway, at(6, 6), at(12), seedValue);
    expect(a.read()).toEqual([]);
  });

  it('publishes RESOLVED once when the condition clears, and FIRING again for a new episode', async () => {
    const a = await Alerting.open();
    await a.putRule({ name: 'Hot', expr: 'max(temp[1m]) > 50' });
    await a.pipe('temp', { room: 'a' }, 60, at(0, 30)); // window [12:00, 12:01) fires at 12:01
    await a.pipe('temp', { room: 'a' }, 70, at(1, 30));
    await a.pipe('temp', { room: 'a' }, 20, at(2, 30)); // [12:02, 12:03) clears
    await a.pipe('temp', { room: 'a' }, 20, at(3, 30));
    await a.pipe('temp', { room: 'a' }, 90, at(4, 30));
    await a.pipe('temp', { room: 'a' }, 90, at(5, 30));
    await a.pipe('temp', { room: 'a' }, 90, at(6, 30));
    const alerts = a.read();
    expect(alerts.map(brief)).toEqual([
      ['FIRING', 1, null],
      ['RESOLVED', 3, null],
      ['FIRING', 5, null],
    ]);
    expect(new Set(alerts.map((x) => x.fingerprint)).size).toBe(1);
    expect(alerts.map((x) => x.value)).toEqual([60, 20, 90]);
    expect(alerts[1].activeAt).toBe(at(1));
  });

  it('keeps one state machine per series and only watches series its matchers select', async () => {
    const a = await Alerting.open();
    await a.putRule({ name: 'ApiErrors', expr: 'sum(errors{service=~"api-.*",env!="dev"}[1m]) >= 10' });
    for (const labels of [
      { service: 'api-a', env: 'prod' },
      { service: 'api-b', env: 'prod' },
      { service: 'api-c', env: 'dev' },
      { service: 'web', env: 'prod' },
    ]) {
      await a.pipe('errors', labels, labels.service === 'api-b' ? 3 : 6, at(0, 10));
      await a.pipe('errors', labels, labels.service === 'api-b' ? 3 : 6, at(0, 20));
    }
    await a.pipe('other', {}, 0, at(1)); // moves stream time past 12:01
    expect(a.read().map((x) => [x.state, x.labels, x.value])).toEqual([
      ['FIRING', { service: 'api-a', env: 'prod' }, 12],
    ]);
  });
});

describe('alerting: out-of-order and late samples', () => {
  it('counts out-of-order samples within the grace period and drops samples whose windows closed', async () => {
    const a = await Alerting.open({ graceMs: 10 * SECOND });
    await a.putRule({ name: 'Spike', expr: 'max(latency[1m]) > 100' });
    const room = { host: 'h' };
    await a.pipe('latency', room, 50, at(0, 30));
    await a.pipe('latency', room, 50, at(1, 5)); // stream time 12:01:05: [12:00, 12:01) still open (grace)
    await a.pipe('latency', room, 200, at(0, 40)); // out of order, in time
    expect(a.read()).toEqual([]);
    await a.pipe('latency', room, 50, at(1, 10)); // closes [12:00, 12:01)
    expect(a.read().map(brief)).toEqual([['FIRING', 1, null]]);
    await a.pipe('latency', room, 50, at(2, 20)); // closes [12:01, 12:02): resolved
    expect(a.read().map(brief)).toEqual([['RESOLVED', 2, null]]);
    await a.pipe('latency', room, 500, at(1, 50)); // late: its only window closed
    await a.pipe('latency', room, 50, at(3, 20));
    await a.pipe('latency', room, 50, at(4, 20));
    expect(a.read()).toEqual([]);
  });
});

describe('alerting: rule changes take effect without a restart', () => {
  async function firing(a: Alerting): Promise<Alert> {
    await a.putRule({ name: 'HighLoad', expr: 'avg(load{host=~"web-.*"}[1m]) > 5' });
    await a.pipe('load', { host: 'web-1' }, 8, at(0, 30));
    await a.pipe('load', { host: 'web-1' }, 8, at(1, 30));
    const [alert] = a.read();
    expect(brief(alert)).toEqual(['FIRING', 1, null]);
    return alert;
  }

  it('a threshold raised while firing resolves the alert at the next evaluation (same fingerprint)', async () => {
    const a = await Alerting.open();
    const fired = await firing(a);
    await a.putRule({ name: 'HighLoad', expr: 'avg(load{host=~"web-.*"}[1m]) > 10' });
    await a.pipe('load', { host: 'web-1' }, 8, at(2, 30));
    const [resolved] = a.read();
    expect(brief(resolved)).toEqual(['RESOLVED', 2, null]);
    expect(resolved).toMatchObject({ fingerprint: fired.fingerprint, threshold: 10, value: 8 });
  });

  it('a rule deleted while firing resolves its alerts at once, and its series are forgotten', async () => {
    const a = await Alerting.open();
    const fired = await firing(a);
    await a.deleteRule('HighLoad');
    const [resolved] = a.read();
    expect(resolved).toMatchObject({
      state: 'RESOLVED',
      fingerprint: fired.fingerprint,
      reason: 'rule deleted',
    });
    await a.pipe('load', { host: 'web-1' }, 8, at(2, 30));
    await a.pipe('load', { host: 'web-1' }, 8, at(3, 30));
    expect(a.read()).toEqual([]);
  });

  it('matchers edited so that a firing series is no longer watched resolve its alert', async () => {
    const a = await Alerting.open();
    await firing(a);
    await a.putRule({ name: 'HighLoad', expr: 'avg(load{host=~"db-.*"}[1m]) > 5' });
    expect(a.read().map((x) => [x.state, x.reason])).toEqual([['RESOLVED', 'rule no longer matches series']]);
    await a.pipe('load', { host: 'web-1' }, 8, at(2, 30));
    await a.pipe('load', { host: 'db-1' }, 8, at(2, 30));
    await a.pipe('load', { host: 'db-1' }, 8, at(3, 30));
    // The edited rule evaluates its first full window after the edit: [12:02, 12:03).
    expect(a.read().map((x) => [x.state, x.labels, (x.timestamp - NOON) / MINUTE])).toEqual([
      ['FIRING', { host: 'db-1' }, 3],
    ]);
  });

  it('a rule added while samples flow starts with the first window after it took effect', async () => {
    const a = await Alerting.open();
    await a.pipe('load', { host: 'web-1' }, 8, at(0, 10));
    await a.pipe('load', { host: 'web-1' }, 8, at(0, 20));
    // Takes effect at 12:00:30: the last stream time, moved on by the 10 s of wall clock until the refresh.
    await a.putRule({ name: 'HighLoad', expr: 'avg(load[1m]) > 5' });
    await a.pipe('load', { host: 'web-1' }, 8, at(1, 30));
    await a.pipe('load', { host: 'web-1' }, 8, at(2, 30));
    expect(a.read().map(brief)).toEqual([['FIRING', 2, null]]);
  });

  it('ignores an invalid rule (reported) and evaluates it once fixed', async () => {
    const invalid: InvalidRuleError[] = [];
    const a = await Alerting.open({ onInvalidRule: (e) => invalid.push(e) });
    await a.putRule({
      ...defineAlertRule({ name: 'Broken', expr: 'avg(load[1m]) > 5' }),
      evaluationIntervalMs: 0,
    });
    await a.driver.advanceWallClockTime(REFRESH); // reported once, not at every refresh
    expect(invalid.map((e) => e.message)).toEqual([
      'invalid alert rule "Broken": evaluationIntervalMs must be a positive integer, got 0',
    ]);
    await a.putRule({ name: 'Broken', expr: 'avg(load[1m]) > 5' });
    await a.pipe('load', { host: 'a' }, 8, at(0, 30));
    await a.pipe('load', { host: 'a' }, 8, at(1, 30));
    expect(a.read().map(brief)).toEqual([['FIRING', 1, null]]);
  });
});

describe('alerting: no data', () => {
  it('resolves a firing alert of a series that went silent while others report (stream time)', async () => {
    const a = await Alerting.open({ noDataTimeoutMs: 5 * MINUTE, noDataCheckIntervalMs: 30 * SECOND });
    await a.putRule({ name: 'Hot', expr: 'max(temp[1m]) > 50' });
    await a.pipe('temp', { room: 'a' }, 60, at(0, 30));
    for (let m = 1; m <= 7; m++) await a.pipe('temp', { room: 'b' }, 10, at(m, 30));
    expect(a.read().map((x) => [x.state, x.labels.room, (x.timestamp - NOON) / SECOND, x.reason])).toEqual([
      ['FIRING', 'a', 60, null],
      // Last sample 12:00:30, silent for more than 5 minutes at the check at 12:06:30.
      ['RESOLVED', 'a', 6 * 60 + 30, 'no data for 6m'],
    ]);
  });

  it('raises NODATA for rules that ask for it, and resolves it when data returns', async () => {
    const a = await Alerting.open({ noDataTimeoutMs: 2 * MINUTE });
    await a.putRule({ name: 'Heartbeat', expr: 'count(heartbeat[1m]) < 1', noData: 'alert' });
    await a.pipe('heartbeat', { job: 'x' }, 1, at(0, 10));
    for (let m = 1; m <= 3; m++) await a.pipe('other', {}, 0, at(m, 30));
    await a.pipe('heartbeat', { job: 'x' }, 1, at(4, 10));
    await a.pipe('other', {}, 0, at(5, 30));
    expect(a.read().map((x) => [x.state, (x.timestamp - NOON) / SECOND, x.reason, x.value])).toEqual([
      // Last seen 12:00:10; the stream-time check at 12:02:30 finds it silent for more than 2 minutes.
      ['NODATA', 2 * 60 + 30, 'no data for 2m20s', null],
      ['RESOLVED', 5 * 60, 'data returned', 1],
    ]);
  });

  it('resolves on wall-clock time when no record arrives at all', async () => {
    const a = await Alerting.open({ noDataTimeoutMs: 5 * MINUTE, noDataCheckIntervalMs: 30 * SECOND });
    await a.putRule({ name: 'Hot', expr: 'max(temp[1m]) > 50' });
    await a.pipe('temp', { room: 'a' }, 60, at(0, 30));
    await a.pipe('temp', { room: 'a' }, 60, at(1, 30));
    expect(a.read().map((x) => x.state)).toEqual(['FIRING']);
    // Data last evaluated at 12:00:30; time goes on from stream time 12:01:30 with the wall clock.
    await a.driver.advanceWallClockTime(4 * MINUTE); // 12:05:30: silent for 5 minutes, not more
    expect(a.read()).toEqual([]);
    await a.driver.advanceWallClockTime(2 * MINUTE);
    expect(a.read().map((x) => [x.state, x.reason, (x.timestamp - NOON) / SECOND])).toEqual([
      ['RESOLVED', 'no data for 7m', 7 * 60 + 30],
    ]);
  });
});

describe('alerting: restarts', () => {
  /** Hot: max(temp[1m]) > 50 fires at 12:01 for room a (last sample 12:01:30); then the application stops. */
  async function firingThenClosed(a: Alerting): Promise<Alert> {
    await a.putRule({ name: 'Hot', expr: 'max(temp[1m]) > 50' });
    await a.pipe('temp', { room: 'a' }, 60, at(0, 30));
    await a.pipe('temp', { room: 'a' }, 60, at(1, 30));
    const [fired, ...more] = a.read();
    expect([fired.state, more]).toEqual(['FIRING', []]);
    await a.driver.close();
    return fired;
  }

  it('a firing alert survives a restart: no duplicate FIRING, one RESOLVED when the condition clears', async () => {
    await withStateDirectory(drivers, async (dir) => {
      const registry = mockRegistry();
      const fired = await firingThenClosed(await Alerting.open({}, registry, dir));

      const second = await Alerting.open({}, registry, dir);
      await second.pipe('temp', { room: 'a' }, 70, at(2, 30));
      expect(second.read()).toEqual([]);
      await second.pipe('temp', { room: 'a' }, 10, at(3, 30)); // [12:02, 12:03) still held 70
      await second.pipe('temp', { room: 'a' }, 10, at(4, 30));
      expect(
        second.read().map((x) => [x.state, x.fingerprint, x.activeAt, (x.timestamp - NOON) / MINUTE]),
      ).toEqual([['RESOLVED', fired.fingerprint, at(1), 4]]);
    });
  });

  it('a rule deleted while the application was down resolves its alerts when it comes back', async () => {
    await withStateDirectory(drivers, async (dir) => {
      const registry = mockRegistry();
      await firingThenClosed(await Alerting.open({}, registry, dir));

      // The rules table comes back without the rule (on Kafka: the global table restored from a topic where it was
      // deleted in the meantime); the driver has no topic to restore from, so its copy is dropped.
      for (const store of findDirectories(dir, ALERTING_STORES.rules)) rmSync(store, { recursive: true });
      const second = await Alerting.open({}, registry, dir);
      expect(second.read().map((x) => [x.state, x.reason, x.timestamp])).toEqual([
        ['RESOLVED', 'rule deleted', at(1, 30)],
      ]);
    });
  });

  it('after a restart with no input, no-data goes on from the stream time reached before', async () => {
    await withStateDirectory(drivers, async (dir) => {
      const registry = mockRegistry();
      const config = { noDataTimeoutMs: 5 * MINUTE };
      await firingThenClosed(await Alerting.open(config, registry, dir));

      const second = await Alerting.open(config, registry, dir);
      await second.driver.advanceWallClockTime(6 * MINUTE);
      expect(second.read().map((x) => [x.state, x.reason])).toEqual([['RESOLVED', 'no data for 7m']]);
    });
  });
});

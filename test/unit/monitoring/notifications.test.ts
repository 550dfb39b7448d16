// The notification topology on the driver against a real Redis: routing by severity (and configurable routes),
// dedup per fingerprint and state within the window, replays after an aborted transaction, Redis down, failed
// deliveries.
import {
  NOTIFICATION_METRICS as M,
  type Notification,
  type NotificationDelivery,
  NotificationDeliveryError,
  notificationsTopology,
  topicDelivery,
  webhookDelivery,
} from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { alert, NotificationsOnDriver, OpenDrivers, RedisProbe } from './notifications-support.js';
import { mockRegistry } from './topologies/support.js';

const drivers = new OpenDrivers();
const probes: RedisProbe[] = [];
afterEach(async () => {
  await drivers.closeAll();
  for (const probe of probes.splice(0)) await probe.close();
});

function probe(): RedisProbe {
  const p = new RedisProbe();
  probes.push(p);
  return p;
}

async function open(
  redis: RedisProbe,
  config: Parameters<typeof NotificationsOnDriver.open>[1] = {},
  handlers: Parameters<typeof NotificationsOnDriver.open>[2] = {},
) {
  return NotificationsOnDriver.open(
    drivers,
    { ...config, dedup: { keyPrefix: redis.keyPrefix, ...config.dedup } },
    handlers,
  );
}

describe('notifications: routing', () => {
  it('warning goes to slack; critical to slack, pagerduty and email; info nowhere (counted)', async () => {
    const redis = probe();
    const n = await open(redis);
    await n.pipe(alert({ rule: 'HighCPUUsage', severity: 'warning' }));
    await n.pipe(alert({ rule: 'CPUSaturated', severity: 'critical' }));
    await n.pipe(alert({ rule: 'Chatty', severity: 'info' }));
    expect(n.read()).toEqual([
      'slack FIRING HighCPUUsage',
      'slack FIRING CPUSaturated',
      'pagerduty FIRING CPUSaturated',
      'email FIRING CPUSaturated',
    ]);
    expect(n.metric(M.unrouted, { rule: 'Chatty' })).toBe(1);
    expect(n.metric(M.sent, { channel: 'slack' })).toBe(2);
    expect(n.metric(M.sent, { channel: 'pagerduty' })).toBe(1);
  });

  it('writes a Notification record per channel: stable id, title, text, the alert, keyed by fingerprint', async () => {
    const redis = probe();
    const n = await open(redis);
    const firing = alert({ severity: 'critical' });
    await n.pipe(firing);
    const records = n.notifications.readRecordsToList();
    expect(records.map((r) => r.key)).toEqual([firing.fingerprint, firing.fingerprint, firing.fingerprint]);
    expect(records.map((r) => r.timestamp)).toEqual([firing.timestamp, firing.timestamp, firing.timestamp]);
    const slack = records[0].value as Notification;
    expect(slack).toEqual({
      id: `${firing.fingerprint}:FIRING:${firing.timestamp}:slack`,
      channel: 'slack',
      title: '[FIRING:critical] HighCPUUsage',
      text: 'cpu_usage{host="gw-1",service="api-gateway"}: avg 85.25 > 80 since 2026-11-28T12:00:00.000Z',
      alert: firing,
    });
  });

  it('follows configured routes: by label, rule and state, each channel once', async () => {
    const redis = probe();
    const n = await open(redis, {
      routes: [
        { severity: ['warning', 'critical'], channels: ['slack'] },
        { labels: { team: 'db' }, channels: ['email', 'slack'] },
        { rule: 'DiskFull', state: 'FIRING', channels: ['pagerduty'] },
      ],
    });
    await n.pipe(alert({ rule: 'SlowQueries', ruleLabels: { team: 'db' }, severity: 'info' }));
    await n.pipe(alert({ rule: 'DiskFull', labels: { host: 'db-1' } }));
    await n.pipe(alert({ rule: 'DiskFull', labels: { host: 'db-1' }, state: 'RESOLVED' }));
    expect(n.read()).toEqual([
      'email FIRING SlowQueries',
      'slack FIRING SlowQueries',
      'slack FIRING DiskFull',
      'pagerduty FIRING DiskFull',
      'slack RESOLVED DiskFull',
    ]);
  });

  it('refuses bad routes and channels a delivery cannot reach when the topology is built', () => {
    const { serdes } = mockRegistry();
    expect(() => notificationsTopology({ serdes, routes: [{ severity: 'warning', channels: [] }] })).toThrow(
      /routes\[0\] has no channels/,
    );
    expect(() => notificationsTopology({ serdes, routes: [{ channels: ['#alerts'] }] })).toThrow(
      /invalid channel name "#alerts"/,
    );
    expect(() =>
      notificationsTopology({
        serdes,
        delivery: webhookDelivery({ urls: { slack: 'http://127.0.0.1:1/slack' } }),
      }),
    ).toThrow(/delivery 'webhook' cannot reach channel\(s\) pagerduty, email/);
    expect(() => notificationsTopology({ serdes, dedup: { ttlMs: -1 } })).toThrow(/dedup.ttlMs/);
  });
});

describe('notifications: dedup in Redis by fingerprint and state', () => {
  it('the same state of the same alert within the window is notified once; the key expires after 5 minutes', async () => {
    const redis = probe();
    const n = await open(redis);
    const firing = alert();
    await n.pipe(firing);
    await n.pipe(firing); // e.g. a reminder, or a producer that retried
    await n.pipe({ ...firing, timestamp: firing.timestamp + 60_000 });
    expect(n.read()).toEqual(['slack FIRING HighCPUUsage']);
    expect(n.metric(M.deduplicated)).toBe(2);
    expect(await redis.value(firing.fingerprint)).toBe('FIRING alerts.triggered-0@0');
    const ttl = await redis.ttlMs(firing.fingerprint);
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
  });

  it('a change of state is always notified: FIRING, RESOLVED, FIRING again (flapping) within the window', async () => {
    const redis = probe();
    const n = await open(redis);
    await n.pipe(alert({ state: 'FIRING' }));
    await n.pipe(alert({ state: 'RESOLVED', timestamp: alert().timestamp + 60_000 }));
    await n.pipe(alert({ state: 'FIRING', timestamp: alert().timestamp + 120_000 }));
    await n.pipe(alert({ state: 'FIRING', timestamp: alert().timestamp + 120_000 }));
    // A different alert (another series) is not a duplicate of the first.
    await n.pipe(alert({ labels: { host: 'gw-2', service: 'api-gateway' } }));
    expect(n.read()).toEqual([
      'slack FIRING HighCPUUsage',
      'slack RESOLVED HighCPUUsage',
      'slack FIRING HighCPUUsage',
      'slack FIRING HighCPUUsage',
    ]);
    expect(n.metric(M.deduplicated)).toBe(1);
  });

  it('notifies the same state again once the window has passed', async () => {
    const redis = probe();
    const n = await open(redis, { dedup: { ttlMs: 300 } });
    await n.pipe(alert());
    await n.pipe(alert());
    await new Promise((resolve) => setTimeout(resolve, 450));
    await n.pipe(alert());
    expect(n.read()).toEqual(['slack FIRING HighCPUUsage', 'slack FIRING HighCPUUsage']);
  });

  it('a replay of the same input record after an aborted transaction delivers again: nothing is lost', async () => {
    const redis = probe();
    const firing = alert({ severity: 'critical' });
    // First attempt: processed, claimed in Redis, then the transaction aborts: its output never becomes visible.
    const aborted = await open(redis);
    await aborted.pipe(firing);
    expect(aborted.read()).toHaveLength(3);
    await drivers.closeAll(); // the output of the aborted attempt is discarded with it
    expect(await redis.value(firing.fingerprint)).toBe('FIRING alerts.triggered-0@0');

    // The task restarts from the last committed offset: the same record (same offset) comes again.
    const replay = await open(redis);
    await replay.pipe(firing);
    expect(replay.read()).toEqual([
      'slack FIRING HighCPUUsage',
      'pagerduty FIRING HighCPUUsage',
      'email FIRING HighCPUUsage',
    ]);
    // A later record with the same alert and state (offset 1) is a duplicate.
    await replay.pipe(firing);
    expect(replay.read()).toEqual([]);
    expect(replay.metric(M.deduplicated)).toBe(1);
  });

  it('Redis down: alerts are still notified (without dedup) and counted', async () => {
    const n = await NotificationsOnDriver.open(drivers, {
      dedup: { redis: { host: '127.0.0.1', port: 1, connectTimeout: 200 } },
    });
    await n.pipe(alert());
    await n.pipe(alert());
    expect(n.read()).toEqual(['slack FIRING HighCPUUsage', 'slack FIRING HighCPUUsage']);
    expect(n.metric(M.dedupUnavailable)).toBe(2);
  });
});

describe('notifications: failed deliveries', () => {
  /** Fails the first `failures` deliveries, then publishes like the default delivery. */
  function flaky(failures: number): NotificationDelivery & { attempts: number } {
    const inner = topicDelivery();
    const delivery = {
      name: 'flaky',
      attempts: 0,
      async deliver(notifications: readonly Notification[], publish: (n: Notification) => Promise<void>) {
        delivery.attempts++;
        if (delivery.attempts <= failures) {
          throw new NotificationDeliveryError('pager gateway unreachable', notifications[0].channel);
        }
        await inner.deliver(notifications, publish);
      },
    };
    return delivery;
  }

  it('gives the claim back and lets the processing exception handler decide; a retry is not a duplicate', async () => {
    const redis = probe();
    const delivery = flaky(1);
    const n = await open(redis, { delivery }, { processingExceptionHandler: 'logAndContinue' });
    const firing = alert();
    await n.pipe(firing);
    expect(n.read()).toEqual([]);
    expect(n.metric(M.failed)).toBe(1);
    expect(await redis.value(firing.fingerprint)).toBeNull();
    // The alert again (e.g. replayed from the dead-letter queue): delivered, not taken for a duplicate.
    await n.pipe(firing);
    expect(n.read()).toEqual(['slack FIRING HighCPUUsage']);
    expect(delivery.attempts).toBe(2);
  });

  it("with the default 'fail' handler the error stops processing and names the channel", async () => {
    const redis = probe();
    const n = await open(redis, { delivery: flaky(1) });
    await expect(n.pipe(alert())).rejects.toThrow(/pager gateway unreachable/);
  });
});

// The webhook delivery against a local express server: JSON body, idempotency key, retries with backoff on 5xx and
// timeouts, no retry on 4xx, failures reported by channel, delivered notifications also logged to the topic.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { NOTIFICATION_METRICS as M, type Notification, webhookDelivery } from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { alert, NotificationsOnDriver, OpenDrivers, RedisProbe } from './notifications-support.js';

interface Received {
  readonly path: string;
  readonly idempotencyKey: string | undefined;
  readonly body: Notification;
}

/** A webhook receiver: answers each request with the next scripted status (200 when the script ran out). */
class Receiver {
  readonly received: Received[] = [];
  private constructor(
    private readonly server: Server,
    private readonly script: Array<number | 'hang'>,
  ) {}

  static async start(script: Array<number | 'hang'> = []): Promise<Receiver> {
    const app = express();
    let receiver!: Receiver;
    app.post('/hooks/:channel', express.json(), (req, res) => {
      receiver.received.push({
        path: req.path,
        idempotencyKey: req.get('idempotency-key'),
        body: req.body as Notification,
      });
      const next = receiver.script.shift() ?? 200;
      if (next === 'hang') return; // never answers: the client times out
      res.status(next).json({ ok: next < 300 });
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    receiver = new Receiver(server, script);
    return receiver;
  }

  url(channel: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/${channel}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const drivers = new OpenDrivers();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await drivers.closeAll();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setUp(
  script: Array<number | 'hang'> = [],
  options: { retries?: number; timeoutMs?: number } = {},
  handler: 'fail' | 'logAndContinue' = 'logAndContinue',
) {
  const receiver = await Receiver.start(script);
  const redis = new RedisProbe();
  cleanups.push(
    () => receiver.close(),
    () => redis.close(),
  );
  const channels = ['slack', 'pagerduty', 'email'];
  const n = await NotificationsOnDriver.open(
    drivers,
    {
      dedup: { keyPrefix: redis.keyPrefix },
      delivery: webhookDelivery({
        urls: Object.fromEntries(channels.map((c) => [c, receiver.url(c)])),
        backoffMs: 20,
        ...options,
      }),
    },
    { processingExceptionHandler: handler },
  );
  return { receiver, redis, n };
}

describe('webhook delivery', () => {
  it('POSTs each notification as JSON to its channel URL with the notification id as Idempotency-Key', async () => {
    const { receiver, n } = await setUp();
    const critical = alert({ severity: 'critical' });
    await n.pipe(critical);
    const byPath = [...receiver.received].sort((a, b) => a.path.localeCompare(b.path));
    expect(byPath.map((r) => r.path)).toEqual(['/hooks/email', '/hooks/pagerduty', '/hooks/slack']);
    for (const r of byPath) {
      const channel = r.path.split('/')[2];
      expect(r.idempotencyKey).toBe(`${critical.fingerprint}:FIRING:${critical.timestamp}:${channel}`);
      expect(r.body).toMatchObject({
        id: r.idempotencyKey,
        channel,
        title: '[FIRING:critical] HighCPUUsage',
      });
      expect(r.body.alert).toEqual(critical);
    }
    // Delivered notifications are also logged to the notifications topic.
    expect(n.read()).toEqual([
      'slack FIRING HighCPUUsage',
      'pagerduty FIRING HighCPUUsage',
      'email FIRING HighCPUUsage',
    ]);
  });

  it('retries 5xx and 429 with backoff, with the same idempotency key, until the receiver accepts', async () => {
    const { receiver, n } = await setUp([503, 429, 500]);
    await n.pipe(alert());
    expect(receiver.received.map((r) => r.path)).toEqual(Array(4).fill('/hooks/slack'));
    expect(new Set(receiver.received.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(n.read()).toEqual(['slack FIRING HighCPUUsage']);
    expect(n.metric(M.sent, { channel: 'slack' })).toBe(1);
  });

  it('retries a receiver that does not answer within the timeout', async () => {
    const { receiver, n } = await setUp(['hang'], { timeoutMs: 200 });
    await n.pipe(alert());
    expect(receiver.received).toHaveLength(2);
    expect(n.read()).toEqual(['slack FIRING HighCPUUsage']);
  });

  it('does not retry a 4xx; the alert fails naming channel, URL and status, and its claim is given back', async () => {
    const { receiver, redis, n } = await setUp([400], {}, 'fail');
    const firing = alert();
    await expect(n.pipe(firing)).rejects.toThrow(
      new RegExp(`webhook of channel 'slack' \\(${receiver.url('slack')}\\) failed .*: HTTP 400 Bad Request`),
    );
    expect(receiver.received).toHaveLength(1);
    expect(n.read()).toEqual([]);
    expect(n.metric(M.failed)).toBe(1);
    expect(await redis.value(firing.fingerprint)).toBeNull();
  });

  it('gives up after the configured retries', async () => {
    const { receiver, n } = await setUp([503, 503, 503], { retries: 2 });
    await n.pipe(alert());
    expect(receiver.received).toHaveLength(3);
    expect(n.read()).toEqual([]);
    expect(n.metric(M.failed)).toBe(1);
  });

  it('refuses a URL that is not one', () => {
    expect(() => webhookDelivery({ urls: { slack: 'not a url' } })).toThrow(
      /the URL of channel 'slack' is not a URL: "not a url"/,
    );
  });
});

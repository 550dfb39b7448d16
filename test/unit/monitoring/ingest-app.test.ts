// The ingest's HTTP layer with an in-memory writer: what collectors get back for valid and invalid payloads, and that
// nothing of an invalid request is written.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_LABEL_POLICY, type Metric } from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestApp, type IngestStats } from '../../../topologies/monitoring/ingest/ingest-app.js';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

class App {
  readonly written: Metric[][] = [];
  readonly stats: IngestStats = { requests: 0, samplesAccepted: 0, rejectedRequests: {}, failedRequests: 0 };
  failWrites = false;
  private server!: Server;

  async start(options: { maxBodyBytes?: number; maxSamplesPerRequest?: number } = {}): Promise<this> {
    const app = await createIngestApp({
      labels: DEFAULT_LABEL_POLICY,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      maxSamplesPerRequest: options.maxSamplesPerRequest ?? 10_000,
      clock: () => NOW,
      write: async (metrics) => {
        if (this.failWrites) throw new Error('Local: Message timed out');
        this.written.push([...metrics]);
      },
      stats: this.stats,
    });
    this.server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return this;
  }

  async request(
    body: string | undefined,
    contentType?: string,
    method = 'POST',
    path = '/metrics',
  ): Promise<{ status: number; body: { accepted?: number; error?: string; problems?: unknown[] } }> {
    const port = (this.server.address() as AddressInfo).port;
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: contentType ? { 'content-type': contentType } : {},
      // A string body would get text/plain from fetch itself: bytes go without a Content-Type.
      ...(body === undefined ? {} : { body: contentType ? body : Buffer.from(body) }),
    });
    return {
      status: response.status,
      body: (await response.json()) as Awaited<ReturnType<App['request']>>['body'],
    };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function app(options?: Parameters<App['start']>[0]): Promise<App> {
  const a = await new App().start(options);
  apps.push(a);
  return a;
}

describe('ingest HTTP endpoint', () => {
  it('accepts the Prometheus text format; samples without a timestamp get the time of the request', async () => {
    const a = await app();
    const text =
      '# TYPE cpu_usage gauge\ncpu_usage{host="server-1",service="api"} 65.2\ncpu_usage{host="server-2"} 70 1764330000000\n';
    const r = await a.request(text, 'text/plain; version=0.0.4; charset=utf-8');
    expect(r).toEqual({ status: 200, body: { accepted: 2 } });
    expect(a.written).toEqual([
      [
        { name: 'cpu_usage', labels: { host: 'server-1', service: 'api' }, value: 65.2, timestamp: NOW },
        { name: 'cpu_usage', labels: { host: 'server-2' }, value: 70, timestamp: 1764330000000 },
      ],
    ]);
  });

  it('accepts JSON from agents', async () => {
    const a = await app();
    const r = await a.request(
      JSON.stringify([
        { metric: 'http_requests_total', labels: { service: 'api' }, value: 1, timestamp: NOW - 1000 },
      ]),
      'application/json',
    );
    expect(r).toEqual({ status: 200, body: { accepted: 1 } });
    expect(a.written[0]).toEqual([
      { name: 'http_requests_total', labels: { service: 'api' }, value: 1, timestamp: NOW - 1000 },
    ]);
  });

  it('refuses a batch with any invalid sample (400), naming every problem and where; nothing is written', async () => {
    const a = await app();
    const r = await a.request(
      'ok 1\nhttp_requests{service="api",user_id="user_12345",request_id="req_abc"} 1\ncpu{__name__="x"} 1\ncpu 12,5\n',
      'text/plain',
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(
      '3 of 4 samples are invalid, nothing was written: ' +
        'line 4: column 5: expected a number, NaN or +Inf/-Inf as the value, not "12,5"; ' +
        'line 2: blacklisted labels (high cardinality): "user_id", "request_id"; ' +
        'line 3: reserved label names (__ prefix): "__name__"',
    );
    expect(r.body.problems).toHaveLength(3);
    expect(a.written).toEqual([]);
  });

  it('refuses JSON naming the sample and field', async () => {
    const a = await app();
    const r = await a.request(
      JSON.stringify([
        { metric: 'cpu', value: 1 },
        { metric: 'cpu', value: 'high' },
      ]),
      'application/json',
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(
      '1 of 2 samples are invalid, nothing was written: sample 1: "value" must be a number (or "NaN", "+Inf", "-Inf"), got "high"',
    );
  });

  it.each([
    ['{"metric": ', 'application/json', 400, /^the body is not valid JSON: /],
    ['', 'text/plain', 400, /^no samples in the body$/],
    ['# only comments\n', 'text/plain', 400, /^no samples in the body$/],
    [
      'cpu 1',
      'application/xml',
      415,
      /^unsupported Content-Type "application\/xml": send text\/plain \(Prometheus text format\) or application\/json$/,
    ],
    ['cpu 1', undefined, 415, /^no Content-Type: send text\/plain/],
  ])('%j as %s -> %i', async (body, type, status, message) => {
    const a = await app();
    const r = await a.request(body, type);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(message);
    expect(a.stats.rejectedRequests[status]).toBe(1);
  });

  it('refuses bodies and batches over the limits with 413', async () => {
    const a = await app({ maxBodyBytes: 100, maxSamplesPerRequest: 2 });
    const big = await a.request(`cpu{host="${'x'.repeat(200)}"} 1`, 'text/plain');
    expect(big).toEqual({
      status: 413,
      body: { error: 'the body is larger than 100 bytes: split the batch' },
    });
    const many = await a.request('a 1\nb 2\nc 3\n', 'text/plain');
    expect(many).toEqual({
      status: 413,
      body: { error: '3 samples in one request, more than the limit of 2: split the batch' },
    });
  });

  it('answers 405 for other methods on /metrics and 404 elsewhere; /health is 200', async () => {
    const a = await app();
    expect(await a.request(undefined, undefined, 'GET')).toEqual({
      status: 405,
      body: { error: 'only POST is supported on /metrics' },
    });
    expect((await a.request('x 1', 'text/plain', 'POST', '/write')).status).toBe(404);
    expect(await a.request(undefined, undefined, 'GET', '/health')).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
  });

  it('answers 503 when Kafka does not acknowledge, and keeps serving', async () => {
    const a = await app();
    a.failWrites = true;
    const failed = await a.request('cpu 1', 'text/plain');
    expect(failed).toEqual({
      status: 503,
      body: {
        error:
          'could not write the samples to Kafka, nothing is certain to be written: Local: Message timed out',
      },
    });
    a.failWrites = false;
    expect(await a.request('cpu 1', 'text/plain')).toEqual({ status: 200, body: { accepted: 1 } });
    expect(a.stats).toEqual({ requests: 2, samplesAccepted: 1, rejectedRequests: {}, failedRequests: 1 });
  });
});

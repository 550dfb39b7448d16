// The monitoring demo's synthetic load: collectors POSTing to the ingest endpoint(s) once per tick, in the
// Prometheus text format (scraped endpoints) and JSON (agents), following a scripted scenario:
// - cpu_usage of the api-gateway hosts rises above 80 % for a while (HighCPUUsage, warning) and one host above 95 %
//   (CPUSaturated, critical), then falls back (RESOLVED);
// - a client puts request paths into a label, so api_request_duration_seconds grows a new series every tick until
//   the cardinality guard refuses them (cardinality_limit) and raises HighCardinality (with reminders: deduplicated);
// - now and then a payload the ingest refuses (blacklisted user_id label, a malformed line): HTTP 400.

export interface LoadScenario {
  /** Run time when api-gateway CPU starts / stops being high (ms since start). */
  readonly hotFromMs: number;
  readonly hotUntilMs: number;
  /** When one gateway host is above 95 %. */
  readonly saturatedFromMs: number;
  readonly saturatedUntilMs: number;
  /** Time between two rounds of samples. */
  readonly tickMs: number;
}

export interface LoadCounters {
  requests: number;
  samplesSent: number;
  /** Responses by status code. */
  responses: Record<number, number>;
  /** Requests that got no response (the ingest was down or closing). */
  networkErrors: number;
}

interface Host {
  readonly host: string;
  readonly service: string;
  /** Ingest URL of the host's region. */
  readonly ingest: string;
  readonly region: string | undefined;
}

/** Deterministic noise, so two runs of the demo look alike. */
function wave(seed: number, t: number, amplitude: number): number {
  return amplitude * Math.sin(seed * 1.7 + t / 3_000) * Math.cos(seed * 0.3 + t / 7_000);
}

export class LoadGenerator {
  readonly counters: LoadCounters = { requests: 0, samplesSent: 0, responses: {}, networkErrors: 0 };
  private readonly hosts: Host[];
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  private startedAt = 0;
  private readonly inFlight = new Set<Promise<void>>();

  /** `ingests`: region (or '' without regions) -> ingest base URL. */
  constructor(
    private readonly scenario: LoadScenario,
    ingests: ReadonlyMap<string, string>,
    /** Told about each request the ingest refused (4xx), with its answer. */
    private readonly onRefused: (status: number, error: string) => void = () => undefined,
  ) {
    const regions = [...ingests.keys()];
    const at = (i: number) => {
      const region = regions[i % regions.length];
      return { ingest: ingests.get(region) as string, region: region === '' ? undefined : region };
    };
    const names = [
      ...['gw-1', 'gw-2', 'gw-3'].map((host) => ({ host, service: 'api-gateway' })),
      ...['web-1', 'web-2', 'web-3', 'web-4'].map((host) => ({ host, service: 'web' })),
      { host: 'db-1', service: 'postgres' },
    ];
    this.hosts = names.map((n, i) => ({ ...n, ...at(i) }));
  }

  start(): void {
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.round(), this.scenario.tickMs);
    this.round();
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  private round(): void {
    const now = Date.now();
    const t = now - this.startedAt;
    const tick = this.tick++;
    // Scraped endpoints: one Prometheus text payload per host.
    for (const [i, h] of this.hosts.entries()) {
      const labels = `host="${h.host}",service="${h.service}"`;
      const lines = [
        '# TYPE cpu_usage gauge',
        `cpu_usage{${labels}} ${this.cpu(h, i, t).toFixed(2)} ${now}`,
        `memory_usage_bytes{${labels}} ${Math.round(2e9 + wave(i, t, 2e8))} ${now}`,
        `http_requests_total{${labels},code="200"} ${tick * (10 + i)} ${now}`,
      ];
      this.post(h.ingest, lines.join('\n'), 'text/plain; version=0.0.4');
    }
    // An agent: JSON, with a label holding request paths: a new series each tick (cardinality explosion).
    const agent = this.hosts[4];
    const paths = [`/items/${tick * 2}`, `/items/${tick * 2 + 1}`];
    this.post(
      agent.ingest,
      JSON.stringify(
        paths.map((path) => ({
          metric: 'api_request_duration_seconds',
          labels: { service: 'web', path },
          value: 0.05 + (tick % 7) / 100,
          timestamp: now,
        })),
      ),
      'application/json',
    );
    // Now and then, payloads the ingest must refuse.
    if (tick % 10 === 3) {
      this.post(
        agent.ingest,
        JSON.stringify([
          {
            metric: 'checkout_total',
            labels: { service: 'web', user_id: `user_${tick}` },
            value: 1,
            timestamp: now,
          },
        ]),
        'application/json',
      );
    }
    if (tick % 10 === 7) this.post(agent.ingest, 'queue_depth{queue="emails"} 12,5\n', 'text/plain');
  }

  /** CPU of a host at run time `t`: calm, high for the gateways in the hot phase, gw-1 saturated for a while. */
  private cpu(h: Host, i: number, t: number): number {
    const s = this.scenario;
    if (h.service === 'api-gateway' && t >= s.hotFromMs && t < s.hotUntilMs) {
      if (h.host === 'gw-1' && t >= s.saturatedFromMs && t < s.saturatedUntilMs) return 97 + wave(i, t, 2);
      return 88 + wave(i, t, 3);
    }
    return 45 + wave(i, t, 12);
  }

  private post(ingest: string, body: string, contentType: string): void {
    this.counters.requests++;
    const request = (async () => {
      try {
        const response = await fetch(`${ingest}/metrics`, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        const answer = (await response.json()) as { accepted?: number; error?: string };
        this.counters.responses[response.status] = (this.counters.responses[response.status] ?? 0) + 1;
        if (response.ok) this.counters.samplesSent += answer.accepted ?? 0;
        else this.onRefused(response.status, answer.error ?? '');
      } catch {
        this.counters.networkErrors++;
      }
    })();
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }
}

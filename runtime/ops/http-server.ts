// The worker's operations endpoint (`tributary run --http-port`):
//   GET /health/live   200 while the worker is alive (any state but ERROR and NOT_RUNNING), else 503
//   GET /health/ready  200 when RUNNING: the group assigned the tasks and every task restored its stores; else 503
//   GET /metrics       Prometheus text (runtime counters, state, tasks, Node process metrics)
//   GET /stores...     interactive queries on local stores (store-routes.ts)
// Health bodies are { state, tasks: { running, restoring } } so that a 503 says why.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Topology } from '../../operators/graph/topology.js';
import { type MeasuredStreams, WorkerMetrics } from './prometheus.js';
import { type QueryableStreams, storeRoutes } from './store-routes.js';

export type OperableStreams = MeasuredStreams & QueryableStreams;

export interface OpsServerOptions {
  readonly port: number;
  /** Default 0.0.0.0 (probes come from outside the container). */
  readonly host?: string;
  /** Node process metrics in /metrics (default true). */
  readonly defaultMetrics?: boolean;
}

export interface OpsServer {
  /** http://host:port of the listening server. */
  readonly url: string;
  close(): Promise<void>;
}

function health(streams: OperableStreams) {
  const tasks = streams.metadataForLocalThreads().flatMap((t) => t.activeTasks);
  return {
    state: streams.state(),
    tasks: {
      running: tasks.filter((t) => t.state === 'running').length,
      restoring: tasks.filter((t) => t.state === 'restoring').length,
    },
  };
}

export function opsApp(
  streams: OperableStreams,
  topology: Topology,
  metrics: WorkerMetrics,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health/live', (_req, res) => {
    const body = health(streams);
    res.status(body.state === 'ERROR' || body.state === 'NOT_RUNNING' ? 503 : 200).json(body);
  });
  app.get('/health/ready', (_req, res) => {
    const body = health(streams);
    res.status(body.state === 'RUNNING' ? 200 : 503).json(body);
  });
  app.get('/metrics', async (_req, res) => {
    try {
      const text = await metrics.render();
      res.status(200).type(metrics.contentType).send(text);
    } catch (e) {
      res
        .status(500)
        .type('text/plain')
        .send(`metrics failed: ${(e as Error).message}\n`);
    }
  });
  app.use(storeRoutes(streams, topology));
  app.use((req, res) => {
    res.status(404).json({
      error: `no route ${req.method} ${req.path}; routes: /health/live, /health/ready, /metrics, /stores, /stores/:store/keys/:key, /stores/:store/entries`,
    });
  });
  return app;
}

export async function startOpsServer(
  streams: OperableStreams,
  topology: Topology,
  options: OpsServerOptions,
): Promise<OpsServer> {
  const metrics = new WorkerMetrics(streams, { defaultMetrics: options.defaultMetrics });
  const app = opsApp(streams, topology, metrics);
  const host = options.host ?? '0.0.0.0';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

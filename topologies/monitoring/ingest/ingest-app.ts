// The HTTP side of the ingest: POST /metrics in the Prometheus text format or JSON, validated, handed to a writer.
import type { Express, NextFunction, Request, Response } from 'express';
import type { Metric } from '../../../index.js';
import type { LabelPolicy } from '../lib/guard/label-validation.js';
import { parseJsonSamples } from './json-samples.js';
import { type IngestProblem, parsePrometheusText } from './prometheus-text.js';
import { validateSamples } from './sample-validation.js';

/** Counters of an ingest server since it started. */
export interface IngestStats {
  /** POST /metrics requests received. */
  requests: number;
  /** Samples written to Kafka (acknowledged). */
  samplesAccepted: number;
  /** Requests refused for their content (4xx), per status code. */
  rejectedRequests: Record<number, number>;
  /** Requests that could not be written (503: Kafka did not acknowledge them). */
  failedRequests: number;
}

export interface IngestAppOptions {
  readonly labels: LabelPolicy;
  readonly maxBodyBytes: number;
  readonly maxSamplesPerRequest: number;
  readonly clock: () => number;
  /** Writes the samples of one request; resolves once they are durable (acknowledged). */
  readonly write: (metrics: readonly Metric[]) => Promise<void>;
  readonly stats: IngestStats;
}

const TEXT_TYPES = ['text/plain', 'application/openmetrics-text'];
const MAX_PROBLEMS_LISTED = 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: readonly IngestProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * A request is all or nothing: when any sample is invalid, nothing is written and the answer (400) lists every
 * problem with its line (text) or index (JSON), so the sender can fix and resend the batch.
 */
export async function createIngestApp(options: IngestAppOptions): Promise<Express> {
  const { default: express } = await import('express');
  const { stats } = options;
  const app = express();
  app.disable('x-powered-by');
  const limit = options.maxBodyBytes;
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.post(
    '/metrics',
    (_req, _res, next) => {
      stats.requests++;
      next();
    },
    express.text({ type: TEXT_TYPES, limit }),
    express.json({ type: 'application/json', limit }),
    async (req: Request, res: Response) => {
      const parsed = parse(req);
      if (parsed.samples.length === 0 && parsed.problems.length === 0) {
        throw new HttpError(400, 'no samples in the body');
      }
      const total = parsed.samples.length + parsed.problems.length;
      if (total > options.maxSamplesPerRequest) {
        throw new HttpError(
          413,
          `${total} samples in one request, more than the limit of ${options.maxSamplesPerRequest}: split the batch`,
        );
      }
      const { metrics, problems } = validateSamples(parsed, options.labels, options.clock());
      if (problems.length > 0) {
        throw new HttpError(
          400,
          `${problems.length} of ${total} samples are invalid, nothing was written: ${listed(problems)}`,
          problems,
        );
      }
      try {
        await options.write(metrics);
      } catch (error) {
        stats.failedRequests++;
        const reason = error instanceof Error ? error.message : String(error);
        res.status(503).json({
          error: `could not write the samples to Kafka, nothing is certain to be written: ${reason}`,
        });
        return;
      }
      stats.samplesAccepted += metrics.length;
      res.json({ accepted: metrics.length });
    },
  );
  app.all('/metrics', () => {
    throw new HttpError(405, 'only POST is supported on /metrics');
  });
  app.use(() => {
    throw new HttpError(404, 'unknown path: POST samples to /metrics');
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, message, problems } = describe(error, limit);
    if (status < 500) stats.rejectedRequests[status] = (stats.rejectedRequests[status] ?? 0) + 1;
    res.status(status).json(problems.length > 0 ? { error: message, problems } : { error: message });
  });
  return app;
}

function parse(req: Request) {
  if (typeof req.body === 'string') return parsePrometheusText(req.body);
  if (req.is('application/json')) return parseJsonSamples(req.body);
  const type = req.get('content-type');
  throw new HttpError(
    415,
    `${type ? `unsupported Content-Type ${JSON.stringify(type)}` : 'no Content-Type'}: send text/plain (Prometheus text format) or application/json`,
  );
}

function listed(problems: readonly IngestProblem[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS_LISTED).map((p) => `${p.at}: ${p.message}`);
  const more = problems.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/** Status and message of an error: ours, body-parser's (bad JSON, too large, bad charset), or unexpected (500). */
function describe(
  error: unknown,
  limit: number,
): { status: number; message: string; problems: readonly IngestProblem[] } {
  if (error instanceof HttpError)
    return { status: error.status, message: error.message, problems: error.problems };
  const e = error as { status?: number; type?: string; message?: string };
  switch (e.type) {
    case 'entity.parse.failed':
      return { status: 400, message: `the body is not valid JSON: ${e.message}`, problems: [] };
    case 'entity.too.large':
      return {
        status: 413,
        message: `the body is larger than ${limit} bytes: split the batch`,
        problems: [],
      };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { status: 415, message: e.message ?? 'unsupported encoding', problems: [] };
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, message: e.message ?? 'bad request', problems: [] };
  }
  return { status: 500, message: `internal error: ${e.message ?? String(error)}`, problems: [] };
}

// `tributary run <module>`: one worker. Starts KafkaStreams with the resolved config (and the operations endpoint with
// --http-port), then runs until SIGTERM or SIGINT - which close it cleanly: commit, checkpoints, leave the group -
// or until the worker fails. A second signal during the shutdown exits at once (nothing is committed then; under
// exactly_once_v2 the open transaction is aborted by the broker or the next worker with this state directory).
import { logger } from '../../common/logger.js';
import type { Topology } from '../../operators/graph/topology.js';
import { KafkaStreams } from '../kafka/kafka-streams.js';
import { type StreamsConfig, StreamsConfigError } from '../kafka/streams-config.js';
import { type OpsServer, startOpsServer } from '../ops/http-server.js';
import { ConfigError, type ResolvedConfig } from './config.js';

/** Exit codes of `tributary run` (docs/operations.md). */
export const EXIT = {
  /** Stopped by a signal after a clean close. */
  stopped: 0,
  /** The worker failed: it could not start, went to ERROR, or did not close within --close-timeout-ms. */
  failed: 1,
  /** Bad usage, configuration or topology module: nothing was started. */
  usage: 2,
  /** A second signal interrupted the shutdown. */
  interrupted: 130,
} as const;

export interface RunOptions {
  readonly config: ResolvedConfig;
  readonly topology: Topology;
  readonly httpPort?: number;
  readonly httpHost?: string;
  readonly closeTimeoutMs: number;
}

export async function runWorker(options: RunOptions): Promise<number> {
  const log = logger.child({ component: 'cli' });
  let streams: KafkaStreams;
  try {
    streams = new KafkaStreams(options.topology, options.config.streams as unknown as StreamsConfig);
  } catch (e) {
    if (e instanceof StreamsConfigError) throw new ConfigError(e.message);
    throw e;
  }

  let stop!: (reason: string) => void;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  streams.setUncaughtExceptionHandler(() => stop('error'));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log.info({ signal }, 'shutting down: committing, writing checkpoints, leaving the group');
      stop(signal);
    } else {
      log.warn({ signal }, 'second signal: exiting without a clean shutdown');
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let ops: OpsServer | undefined;
  try {
    if (options.httpPort !== undefined) {
      ops = await startOpsServer(streams, options.topology, {
        port: options.httpPort,
        ...(options.httpHost !== undefined ? { host: options.httpHost } : {}),
      });
      log.info({ url: ops.url }, 'operations endpoint listening');
    }
    const started = streams.start().then(
      () => undefined,
      (e: Error) => e,
    );
    const first = await Promise.race([started, stopped.then(() => undefined)]);
    if (first instanceof Error) {
      log.error({ err: first }, 'the worker could not start');
      await streams.close({ timeoutMs: options.closeTimeoutMs });
      return EXIT.failed;
    }
    const reason = await stopped;
    const closed = await streams.close({ timeoutMs: options.closeTimeoutMs });
    if (reason === 'error' || streams.state() === 'ERROR') {
      log.error({ err: streams.error }, 'the worker stopped on an error');
      return EXIT.failed;
    }
    if (!closed) {
      log.error({ timeoutMs: options.closeTimeoutMs }, 'the worker did not close in time');
      return EXIT.failed;
    }
    log.info({ state: streams.state() }, 'stopped');
    return EXIT.stopped;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await ops?.close();
  }
}

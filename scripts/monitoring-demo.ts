// `npm run demo` (scripts/demo.sh starts this with the broker address): the metrics-monitoring system end to end on
// Kafka for a bounded time, with a live summary, then everything stops and the run's topics are deleted.
//   --duration <seconds>   how long the load runs (default 90)
//   --regions a,b          regional ingests + region enrichment into a global topic
//   --port <n>             port of the (first) ingest endpoint (default 9091; 0: any free port)
//   --keep-topics          leave the run's topics on the broker
import { parseArgs } from 'node:util';

// Tributary logs JSON lines at info level by default; the demo shows its own summary instead. The level is read when
// the library loads (TRIBUTARY_LOG_LEVEL), so it is set before the pipeline module is imported.
process.env.TRIBUTARY_LOG_LEVEL ??= 'warn';
const { formatSummary, runMonitoringDemo } = await import('./monitoring-demo-pipeline.js');

const USAGE =
  'usage: npm run demo -- [--duration <seconds>] [--regions eu-west,us-east] [--port <n>] [--keep-topics]';

function options() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '90' },
      regions: { type: 'string' },
      port: { type: 'string', default: '9091' },
      'keep-topics': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const duration = Number(values.duration);
  if (!Number.isFinite(duration) || duration < 20)
    throw new Error(`--duration must be a number of seconds >= 20, got ${values.duration}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be a port number, got ${values.port}`);
  const regions = values.regions
    ? values.regions
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== '')
    : [];
  return { durationMs: duration * 1000, regions, ingestPort: port, keepTopics: values['keep-topics'] };
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof options>;
  try {
    parsed = options();
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const bootstrapServers = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092';
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) return;
    console.log('\nstopping early (signal): closing everything cleanly...');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  console.log(
    `Tributary monitoring demo: broker ${bootstrapServers}, Redis 127.0.0.1:6379, schema registry in process (MockClient)`,
  );
  try {
    const result = await runMonitoringDemo({ ...parsed, bootstrapServers, signal: stop.signal });
    console.log(`\n${formatSummary(result)}`);
    return result.errors.length === 0 ? 0 : 1;
  } catch (error) {
    console.error(`monitoring demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

// Exit explicitly: every client was closed, but a library timer left behind must not keep a finished demo alive.
main().then((code) => process.exit(code));

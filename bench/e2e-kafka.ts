// End to end on the local broker (issue 5's figures): a windowed aggregation (count per key and 1-minute window,
// RocksDB window store with changelog, 10k keys) run by KafkaStreams under exactly_once_v2 and at_least_once, beside
// the raw consume -> produce pipe of bench/raw-pipe.ts (same client, same runtime/kafka modules) in the same run.
//   throughput: RECORDS small records loaded first, then processed; records/s from RUNNING to the commit that
//               covers the last record (raw pipe: first poll to last commit). Record cache on (10 MiB default).
//   latency:    bench/raw-pipe.ts's driver process produces LATENCY_RATE records/s for LATENCY_SECONDS while the
//               application runs and reads the output read_committed: latency = input timestamp (set when the
//               driver sent it; a windowed count's result carries it) -> result consumed by the driver. The record
//               cache is off here so that every input has its own result to time.
// Target: EOS throughput >= 50% of the raw EOS pipe.
// Run: npx tsx bench/e2e-kafka.ts   (env: RECORDS=1000000 PARTITIONS=4 LATENCY_RATE=20000 LATENCY_SECONDS=10
//      MODES=exactly_once_v2,at_least_once BOOTSTRAP=127.0.0.1:9092 RAW=1 (0 skips the raw pipe); LATENCY_SECONDS=0
//      skips the latency runs)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KafkaStreams,
  type KafkaStreamsState,
  Serdes,
  StreamsBuilder,
  TimeWindows,
  type Topology,
} from '../index.js';
import { TopicAdmin } from '../runtime/kafka/topic-admin.js';
import {
  COMMIT_INTERVAL_MS,
  createTopics,
  load,
  type Mode,
  pipe,
  runDriver,
  withMemory,
} from './raw-pipe.js';
import { type Figure, printFigures } from './support/report.js';

const BOOTSTRAP = process.env.BOOTSTRAP ?? process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092';
const RECORDS = Number(process.env.RECORDS ?? 1_000_000);
const PARTITIONS = Number(process.env.PARTITIONS ?? 4);
const LATENCY_RATE = Number(process.env.LATENCY_RATE ?? 20_000);
const LATENCY_SECONDS = Number(process.env.LATENCY_SECONDS ?? 10);
const MODES = (process.env.MODES ?? 'exactly_once_v2,at_least_once').split(',') as Mode[];
const RAW = process.env.RAW !== '0';
const WINDOW_MS = 60_000;

const S = Serdes.string();

function windowedCount(input: string, output: string): Topology {
  const builder = new StreamsBuilder();
  builder
    .stream(input, { key: S, value: Serdes.bytes() })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(WINDOW_MS))
    .count({ name: 'counts' })
    .toStream()
    .to(output, { key: Serdes.windowed(S), value: Serdes.long() });
  return builder.build();
}

const total = (streams: KafkaStreams, name: string) =>
  streams
    .metrics()
    .filter((m) => m.name === name)
    .reduce((sum, m) => sum + m.value, 0);

interface AppRun {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly applicationId: string;
}

/**
 * Runs the windowed count on `input` until `expected` records are processed and committed. `onRunning` is called once
 * the application owns its partitions (the latency driver starts then).
 */
async function runApp(
  mode: Mode,
  input: string,
  output: string,
  expected: number,
  options: { cacheMaxBytes?: number; onRunning?: () => void } = {},
): Promise<AppRun> {
  const applicationId = `e2e-${mode}-${randomUUID().slice(0, 8)}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'tributary-e2e-'));
  const streams = new KafkaStreams(windowedCount(input, output), {
    applicationId,
    bootstrapServers: BOOTSTRAP,
    stateDir,
    processingGuarantee: mode,
    commitIntervalMs: COMMIT_INTERVAL_MS[mode],
    ...(options.cacheMaxBytes !== undefined ? { cacheMaxBytes: options.cacheMaxBytes } : {}),
  });
  let running!: () => void;
  const isRunning = new Promise<void>((resolve) => {
    running = resolve;
  });
  streams.setStateListener((state: KafkaStreamsState) => {
    if (state === 'RUNNING') running();
  });
  try {
    await streams.start();
    await isRunning;
    options.onRunning?.();
    const cpu = process.cpuUsage();
    const started = performance.now();
    // Done when the commit after the last record has happened.
    let commitsAtLast: number | undefined;
    for (;;) {
      if (streams.state() === 'ERROR') throw streams.error;
      if (commitsAtLast === undefined && total(streams, 'process-total') >= expected) {
        commitsAtLast = total(streams, 'commit-total');
      }
      if (commitsAtLast !== undefined && total(streams, 'commit-total') > commitsAtLast) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { seconds, cpuSeconds: (used.user + used.system) / 1e6, applicationId };
  } finally {
    await streams.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main() {
  const admin = await TopicAdmin.connect({ bootstrapServers: BOOTSTRAP });
  const figures: Figure[] = [];
  const run = randomUUID().slice(0, 8);
  const created: string[] = [];
  const apps: string[] = [];
  const ratio: Partial<Record<string, number>> = {};
  try {
    const source = `e2e-${run}-source`;
    await createTopics(admin, [source]);
    created.push(source);
    const loadStarted = performance.now();
    const loadRate = await load(source, RECORDS);
    figures.push({
      name: 'load (idempotent producer, linger 20 ms)',
      records: RECORDS,
      seconds: (performance.now() - loadStarted) / 1000,
      recordsPerSecond: loadRate,
      rssMb: process.memoryUsage().rss / 2 ** 20,
    });

    for (const mode of MODES) {
      if (RAW) {
        const rawOut = `e2e-${run}-${mode}-raw-out`;
        await createTopics(admin, [rawOut]);
        created.push(rawOut);
        const raw = await withMemory(() => pipe(mode, source, rawOut, RECORDS));
        ratio[`raw ${mode}`] = RECORDS / raw.result;
        figures.push({
          name: `raw pipe ${mode}`,
          records: RECORDS,
          seconds: raw.result,
          recordsPerSecond: RECORDS / raw.result,
          rssMb: raw.rssMb,
        });
      }

      const out = `e2e-${run}-${mode}-out`;
      await createTopics(admin, [out]);
      created.push(out);
      const app = await withMemory(() => runApp(mode, source, out, RECORDS));
      apps.push(app.result.applicationId);
      ratio[mode] = RECORDS / app.result.seconds;
      figures.push({
        name: `windowed count ${mode}`,
        records: RECORDS,
        seconds: app.result.seconds,
        recordsPerSecond: RECORDS / app.result.seconds,
        cpuSeconds: app.result.cpuSeconds,
        rssMb: app.rssMb,
        note: `heap ${app.heapMb.toFixed(0)} MB`,
      });

      if (LATENCY_SECONDS <= 0) continue;
      const latencyTotal = LATENCY_RATE * LATENCY_SECONDS;
      for (const kind of RAW ? ['raw pipe', 'windowed count'] : ['windowed count']) {
        const latIn = `e2e-${run}-${mode}-${kind.replace(' ', '-')}-lat-in`;
        const latOut = `e2e-${run}-${mode}-${kind.replace(' ', '-')}-lat-out`;
        await createTopics(admin, [latIn, latOut]);
        created.push(latIn, latOut);
        let driverDone: Promise<{ p50: number; p99: number; max: number }> | undefined;
        const startDriver = () => {
          driverDone ??= runDriver(latIn, latOut, latencyTotal);
        };
        const measured = await withMemory(async () => {
          if (kind === 'raw pipe') return pipe(mode, latIn, latOut, latencyTotal, false, startDriver);
          const r = await runApp(mode, latIn, latOut, latencyTotal, {
            cacheMaxBytes: 0,
            onRunning: startDriver,
          });
          apps.push(r.applicationId);
          return r.seconds;
        });
        if (!driverDone) throw new Error(`${kind} ${mode}: the latency driver never started`);
        const latency = await driverDone;
        figures.push({
          name: `latency ${kind} ${mode} at ${LATENCY_RATE.toLocaleString('en-US')}/s`,
          records: latencyTotal,
          seconds: measured.result,
          recordsPerSecond: latencyTotal / measured.result,
          rssMb: measured.rssMb,
          p50Ms: latency.p50,
          p99Ms: latency.p99,
          note: `max ${latency.max} ms${kind === 'windowed count' ? ', record cache off' : ''}`,
        });
      }
    }
  } finally {
    const internal = apps.map((app) => `${app}-counts-changelog`);
    await admin.deleteTopics([...created, ...internal]).catch(() => {});
    await admin.close();
  }
  printFigures(
    `end to end: windowed count (1-minute windows, 10k keys, RocksDB) vs raw pipe, ${RECORDS.toLocaleString('en-US')} records, ` +
      `${PARTITIONS} partitions, broker ${BOOTSTRAP}`,
    figures,
  );
  for (const mode of MODES) {
    const app = ratio[mode];
    const raw = ratio[`raw ${mode}`];
    if (app !== undefined && raw !== undefined) {
      const pct = (100 * app) / raw;
      console.log(
        `  ${mode}: windowed count at ${pct.toFixed(0)}% of the raw pipe${mode === 'exactly_once_v2' ? ` (target >= 50%: ${pct >= 50 ? 'met' : 'NOT met'})` : ''}`,
      );
    }
  }
}

await main();

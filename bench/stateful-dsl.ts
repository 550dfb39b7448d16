// Throughput of the stateful DSL operators through TopologyTestDriver, with in-memory stores (records/s, memory):
//   (b) a 1-minute tumbling windowed count over 10k keys (issue 3's target: >= 500k records/s), then the same with
//       suppress(untilWindowCloses), a sliding-window count, a session count, a stream-table join and a windowed
//       stream-stream left join.
// Run: npm run bench -- stateful-dsl [records]   (compiled JS; `npx tsx bench/stateful-dsl.ts` works too, slower)
import {
  JoinWindows,
  type KStream,
  Serdes,
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  type Topology,
  TopologyTestDriver,
} from '../index.js';
import { type Figure, printFigures, Stopwatch } from './support/report.js';

const N = Number(process.argv[2] ?? 500_000);
const KEYS = 10_000;
const S = Serdes.string();
const D = Serdes.double();
const L = Serdes.long();
const WS = Serdes.windowed(S);
const MEM = { storeType: 'in-memory' } as const;

/** 20 records per ms of event time: a minute window holds 1.2M records, ~120 per key. */
const timestampOf = (i: number) => Math.floor(i / 20);

function topology(build: (stream: KStream<string, number>, b: StreamsBuilder) => void): Topology {
  const b = new StreamsBuilder();
  build(b.stream('in', { key: S, value: D }), b);
  return b.build();
}

const cases: Array<[string, Topology, string]> = [
  [
    '(b) 1-min tumbling count, 10k keys',
    topology((s) =>
      s
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 0))
        .count({ name: 'counts', ...MEM })
        .toStream()
        .to('out', { key: WS, value: L }),
    ),
    'in',
  ],
  [
    '1-min tumbling count + untilWindowCloses',
    topology((s) =>
      s
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 0))
        .count({ name: 'counts', ...MEM })
        .suppress(Suppressed.untilWindowCloses({}, MEM))
        .toStream()
        .to('out', { key: WS, value: L }),
    ),
    'in',
  ],
  [
    '10 s sliding count',
    topology((s) =>
      s
        .groupByKey()
        .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10_000, 0))
        .count({ name: 'sliding', ...MEM })
        .toStream()
        .to('out', { key: WS, value: L }),
    ),
    'in',
  ],
  [
    '5 s session count',
    topology((s) =>
      s
        .groupByKey()
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(5_000, 0))
        .count({ name: 'sessions', ...MEM })
        .toStream()
        .to('out', { key: WS, value: L }),
    ),
    'in',
  ],
  [
    'stream-table join (table of 10k keys)',
    topology((s, b) =>
      s.join(b.table('table', { key: S, value: D, ...MEM }), (v, t) => v + t).to('out', { key: S, value: D }),
    ),
    'in',
  ],
  [
    'stream-stream left join, 1 s windows',
    topology((s) => {
      const other = s.mapValues((v) => v + 1);
      s.leftJoin(other, (v, o) => v + (o ?? 0), JoinWindows.ofTimeDifferenceAndGrace(1_000, 0), {
        ...MEM,
        otherValue: D,
      }).to('out', {
        key: S,
        value: D,
      });
    }),
    'in',
  ],
];

async function measure(name: string, t: Topology, topic: string): Promise<Figure> {
  const driver = new TopologyTestDriver(t);
  await driver.init();
  const keyNames = Array.from({ length: KEYS }, (_, i) => `series-${i}`);
  if (t.sourceTopics().includes('table')) {
    const table = driver.createInputTopic('table', S, D);
    for (const key of keyNames) await table.pipeInput(key, 1, 0);
  }
  const input = driver.createInputTopic(topic, S, D);
  const output = driver.createOutputTopic('out', S, D);
  let emitted = 0;
  const clock = new Stopwatch();
  for (let from = 0; from < N; from += 10_000) {
    await clock.time(async () => {
      for (let i = from; i < from + 10_000; i++)
        await input.pipeInput(keyNames[i % KEYS], i % 1000, timestampOf(i));
    });
    emitted += output.queueSize; // counted, not decoded: reading is the test's work, not the driver's
    output.readRecordsToList();
  }
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await driver.close();
  return {
    name,
    records: N,
    seconds: clock.seconds,
    cpuSeconds: clock.cpuSeconds,
    recordsPerSecond: N / clock.seconds,
    rssMb,
    note: `${emitted} outputs`,
  };
}

const only = process.env.BENCH_CASE; // a substring of a case name, to run one case (profiling)
const figures: Figure[] = [];
for (const [name, t, topic] of cases)
  if (!only || name.includes(only)) figures.push(await measure(name, t, topic));
printFigures('Stateful DSL through TopologyTestDriver (in-memory stores)', figures);

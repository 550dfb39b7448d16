// Driver throughput (issue 3): records/s through TopologyTestDriver, in-memory stores, for
//   (a) a stateless filter/mapValues chain,
//   (b) a 1-minute tumbling windowed aggregate (count and sum per key) over 10k keys.
// Each is measured with records piped one by one (`await pipeInput`) and as lists of 10k (`pipeRecordList`); both
// process and commit every record completely before the next, through the serdes. Outputs are read with the clock
// stopped: the figure is the driver's, not the test's reading.
// Run: npm run bench -- driver-throughput [records] [a|b]   (a letter runs only that case)
import { Serdes, StreamsBuilder, TimeWindows, type Topology, TopologyTestDriver } from '../index.js';
import { type Figure, printFigures, Stopwatch } from './support/report.js';

const N = Number(process.argv[2] ?? 1_000_000);
const ONLY = process.argv[3];
const BATCH = 10_000;
const S = Serdes.string();
const D = Serdes.double();

interface Case {
  readonly name: string;
  readonly topology: Topology;
  readonly keys: number;
  readonly timestampOf: (i: number) => number;
}

function statelessChain(): Topology {
  const b = new StreamsBuilder();
  b.stream('in', { key: S, value: D })
    .filter((_k, v) => v >= 0)
    .mapValues((v) => v * 2)
    .filter((_k, v) => v < 1e12)
    .mapValues((v) => v + 1)
    .to('out', { key: S, value: D });
  return b.build();
}

interface Stats {
  count: number;
  sum: number;
}

function windowedAggregate(): Topology {
  const b = new StreamsBuilder();
  b.stream('in', { key: S, value: D })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
    .aggregate<Stats>(
      () => ({ count: 0, sum: 0 }),
      (_k, v, agg) => ({ count: agg.count + 1, sum: agg.sum + v }),
      { name: 'stats', value: Serdes.json<Stats>(), storeType: 'in-memory' },
    )
    .toStream((windowed) => windowed.key)
    .mapValues((s) => s.sum / s.count)
    .to('out', { key: S, value: D });
  return b.build();
}

async function measure(c: Case, mode: 'pipeInput' | 'pipeRecordList'): Promise<Figure> {
  const driver = new TopologyTestDriver(c.topology);
  const input = driver.createInputTopic('in', S, D);
  const output = driver.createOutputTopic('out', S, D);
  const keyNames = Array.from({ length: c.keys }, (_, i) => `series-${i}`);
  for (let i = 0; i < 20_000; i++) await input.pipeInput(keyNames[i % c.keys], i % 1000, c.timestampOf(i)); // warm-up
  output.readRecordsToList();
  const clock = new Stopwatch();
  let emitted = 0;
  for (let from = 20_000; from < N + 20_000; from += BATCH) {
    if (mode === 'pipeInput') {
      await clock.time(async () => {
        for (let i = from; i < from + BATCH; i++)
          await input.pipeInput(keyNames[i % c.keys], i % 1000, c.timestampOf(i));
      });
    } else {
      const batch = Array.from({ length: BATCH }, (_, j) => ({
        key: keyNames[(from + j) % c.keys],
        value: (from + j) % 1000,
        timestamp: c.timestampOf(from + j),
      }));
      await clock.time(() => input.pipeRecordList(batch));
    }
    emitted += output.readRecordsToList().length;
  }
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await driver.close();
  return {
    name: `${c.name}, ${mode}`,
    records: N,
    seconds: clock.seconds,
    cpuSeconds: clock.cpuSeconds,
    recordsPerSecond: N / clock.seconds,
    rssMb,
    note: `${emitted.toLocaleString('en-US')} outputs`,
  };
}

const cases: Case[] = [
  {
    name: '(a) stateless filter/mapValues chain',
    topology: statelessChain(),
    keys: 1000,
    timestampOf: (i) => i,
  },
  // 20 records per ms of event time: a minute window holds 1.2M records, ~120 per key; windows keep closing.
  {
    name: '(b) 1-min tumbling aggregate, 10k keys',
    topology: windowedAggregate(),
    keys: 10_000,
    timestampOf: (i) => Math.floor(i / 20),
  },
];
const figures: Figure[] = [];
for (const c of cases) {
  if (ONLY !== undefined && !c.name.startsWith(`(${ONLY})`)) continue;
  figures.push(await measure(c, 'pipeInput'));
  figures.push(await measure(c, 'pipeRecordList'));
}
printFigures(
  'TopologyTestDriver throughput (targets: (a) >= 2,000,000 records/s, (b) >= 500,000 records/s)',
  figures,
);

// Driver throughput (issue 3): records/s through TopologyTestDriver for
//   (a) a stateless filter/mapValues chain,
//   (b) a 1-minute tumbling windowed aggregate over 10k keys with in-memory stores.
// Run: npm run bench -- driver-throughput [records]   (compiled JS; `npx tsx bench/...` works too, slower)
import { Serdes, StreamsBuilder, type Topology, TopologyTestDriver } from '../index.js';
import { type Figure, printFigures } from './support/report.js';

const N = Number(process.argv[2] ?? 1_000_000);
const S = Serdes.string();
const D = Serdes.double();

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

/**
 * Times `pipeInput` of N records (serialization, processing, commit per record, as users call it). Outputs are read
 * (deserialized) every 10k records with the clock stopped: the figure is the driver's, not the test's reading.
 */
async function measure(
  name: string,
  topology: Topology,
  keys: number,
  timestampOf: (i: number) => number,
): Promise<Figure> {
  const driver = new TopologyTestDriver(topology);
  const input = driver.createInputTopic('in', S, D);
  const output = driver.createOutputTopic('out', S, D);
  const keyNames = Array.from({ length: keys }, (_, i) => `series-${i}`);
  for (let i = 0; i < 20_000; i++) await input.pipeInput(keyNames[i % keys], i % 1000, timestampOf(i)); // warm-up
  output.readRecordsToList();
  let emitted = 0;
  let elapsed = 0n;
  for (let from = 20_000; from < N + 20_000; from += 10_000) {
    const start = process.hrtime.bigint();
    for (let i = from; i < from + 10_000; i++)
      await input.pipeInput(keyNames[i % keys], i % 1000, timestampOf(i));
    elapsed += process.hrtime.bigint() - start;
    emitted += output.readRecordsToList().length; // outside the clock: reading is the test's work
  }
  const seconds = Number(elapsed) / 1e9;
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await driver.close();
  return {
    name,
    records: N,
    seconds,
    recordsPerSecond: N / seconds,
    rssMb,
    note: `${emitted.toLocaleString('en-US')} outputs`,
  };
}

const figures = [await measure('(a) stateless filter/mapValues chain', statelessChain(), 1000, (i) => i)];
printFigures('TopologyTestDriver throughput', figures);

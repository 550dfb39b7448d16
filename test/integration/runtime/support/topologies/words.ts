// Topology of the CLI and operations tests: lines -> words, counted per word (a key-value store keyed by string),
// per word length (keyed by long) and per word in 1-minute windows (a window store), every update emitted.
import { Serdes, StreamsBuilder, TimeWindows, type Topology } from 'tributary';

export interface WordsConfig {
  readonly input: string;
  readonly output: string;
}

const S = Serdes.string();
const L = Serdes.long();

export default function words(config: Record<string, unknown>): Topology {
  const c = config as unknown as WordsConfig;
  const builder = new StreamsBuilder();
  const words = builder
    .stream<string, string>(c.input, { key: S, value: S })
    .flatMapValues((line) => line.split(' ').filter((w) => w.length > 0));
  words
    .groupBy((_key, word) => word, { key: S, value: S, name: 'by-word' })
    .count({ name: 'word-counts', caching: false })
    .toStream()
    .to(c.output, { key: S, value: L });
  words
    .groupBy((_key, word) => word.length, { key: L, value: S, name: 'by-length' })
    .count({ name: 'length-counts' });
  words
    .groupBy((_key, word) => word, { key: S, value: S, name: 'by-word-window' })
    .windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
    .count({ name: 'word-windows' });
  return builder.build();
}

import { Serdes, StreamsBuilder, TimeWindows, type Topology } from 'tributary';

export interface Metric {
  name: string;
  value: number;
}

// Per host (the record key) and minute: how many CPU samples were above 90 %.
export default function hotCpu(): Topology {
  const builder = new StreamsBuilder();
  builder
    .stream('metrics', { key: Serdes.string(), value: Serdes.json<Metric>() })
    .filter((_host, metric) => metric.name === 'cpu' && metric.value > 90)
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
    .count({ name: 'hot-cpu-per-minute' })
    .toStream()
    .to('hot-cpu-per-minute', { key: Serdes.windowed(Serdes.string()), value: Serdes.long() });
  return builder.build();
}

// Proof topology (differential): a stream-table left join. Every order is enriched with its customer's current
// profile (or null before the profile exists); table updates change what later orders see. Orders and profile
// updates carry strictly increasing timestamps across both topics, so the join's result depends only on event time:
// the task must interleave the co-partitioned topics by timestamp, as the driver does when fed in that order.
import { Serdes, StreamsBuilder, type Topology } from 'tributary';

export interface JoinConfig {
  readonly orders: string;
  readonly profiles: string;
  readonly output: string;
}

const S = Serdes.string();

export default function join(config: Record<string, unknown>): Topology {
  const c = config as unknown as JoinConfig;
  const builder = new StreamsBuilder();
  const profiles = builder.table<string, string>(c.profiles, { key: S, value: S, name: 'profiles' });
  builder
    .stream<string, string>(c.orders, { key: S, value: S })
    .leftJoin(profiles, (order, profile) => `${order}|${profile ?? 'unknown'}`)
    .to(c.output, { key: S, value: S });
  return builder.build();
}

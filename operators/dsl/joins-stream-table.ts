// KStream-KTable and KStream-GlobalKTable joins: each stream record looks up the table's current value.
import { StreamTableJoinProcessor } from '../processors/stream-table-join.js';
import { keyValueStoreGetter } from '../processors/value-getter.js';
import { nextAnchor, repartition } from './build-context.js';
import type { GlobalKTable } from './global-ktable.js';
import { copartition, type JoinKind, operationName } from './joins.js';
import { KStream } from './kstream.js';
import { type KTable, tableValueGetter } from './ktable.js';
import type { Joined, Named } from './options.js';

// biome-ignore lint/suspicious/noExplicitAny: type-erased core of KStream's typed overloads.
type Any = any;
type Joiner = (value: unknown, otherValue: unknown, key: unknown) => unknown;

export function streamTableJoin(
  kind: JoinKind,
  stream: KStream<Any, Any>,
  table: KTable<Any, Any>,
  joiner: Joiner,
  joined: Joined<unknown, unknown, unknown>,
): KStream<Any, Any> {
  const op = `KStream.${operationName(kind)}(KTable)`;
  let p = stream.position;
  const { ctx } = p;
  const getter = tableValueGetter(table.position, op);
  const name = ctx.names.derive(p.anchor, operationName(kind), joined.name);
  // The join key is the table's key: its serde serves when the stream's is unknown (after a key change).
  const keySerde = joined.key ?? p.keySerde ?? table.position.keySerde;
  // The stream must be partitioned like the table: after a key change it goes through a repartition topic first.
  if (p.repartitionRequired) {
    p = repartition(p, {
      name: ctx.names.topic(name),
      keySerde,
      valueSerde: joined.value ?? p.valueSerde,
      operation: op,
    });
  }
  ctx.graph.addProcessor(
    {
      type: 'processor',
      name,
      supplier: () => new StreamTableJoinProcessor(getter, undefined, joiner, kind === 'left'),
      stores: [...getter.storeNames],
    },
    [p.node],
  );
  copartition(ctx, [p.node, table.position.node]);
  return new KStream({
    ctx,
    node: name,
    anchor: nextAnchor(stream.position, joined.name),
    keySerde,
    valueSerde: undefined,
    repartitionRequired: false,
  });
}

export function streamGlobalTableJoin(
  kind: JoinKind,
  stream: KStream<Any, Any>,
  table: GlobalKTable<Any, Any>,
  keySelector: (key: unknown, value: unknown) => unknown,
  joiner: Joiner,
  named: Named,
): KStream<Any, Any> {
  const p = stream.position;
  const name = p.ctx.names.derive(p.anchor, operationName(kind), named.name);
  // Global stores are readable from every task without being connected.
  const getter = keyValueStoreGetter(table.storeName, false);
  p.ctx.graph.addProcessor(
    {
      type: 'processor',
      name,
      supplier: () => new StreamTableJoinProcessor(getter, keySelector, joiner, kind === 'left'),
      stores: [],
    },
    [p.node],
  );
  // The key is unchanged and the table is complete in every task: no repartitioning, before or after.
  return new KStream({
    ctx: p.ctx,
    node: name,
    anchor: nextAnchor(p, named.name),
    keySerde: p.keySerde,
    valueSerde: undefined,
    repartitionRequired: p.repartitionRequired,
  });
}

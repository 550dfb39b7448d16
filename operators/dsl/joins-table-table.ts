// KTable-KTable joins: a join processor on each side looks up the other side's current value; both feed a merger,
// which is the result table (materialized when named).
import {
  JoinMergerProcessor,
  type JoinRow,
  joinedGetter,
  TableTableJoinProcessor,
} from '../processors/table-table-join.js';
import { keyValueStoreGetter } from '../processors/value-getter.js';
import { nextAnchor } from './build-context.js';
import { copartition, type JoinKind, operationName } from './joins.js';
import { KTable, tableValueGetter } from './ktable.js';
import { timestampedKeyValueStore } from './materialize.js';
import type { Materialized, Named } from './options.js';

// biome-ignore lint/suspicious/noExplicitAny: type-erased core of KTable's typed join methods.
type Any = any;
type Joiner = (value: unknown, otherValue: unknown, key: unknown) => unknown;

/** Which rows a join has, as a function of the left and right values (null = no row on that side). */
function rowOf(kind: JoinKind, joiner: Joiner): JoinRow {
  switch (kind) {
    case 'inner':
      return (l, r, k) => (l != null && r != null ? joiner(l, r, k) : null);
    case 'left':
      return (l, r, k) => (l != null ? joiner(l, r ?? null, k) : null);
    case 'outer':
      return (l, r, k) => (l != null || r != null ? joiner(l ?? null, r ?? null, k) : null);
  }
}

export function tableTableJoin(
  kind: JoinKind,
  left: KTable<Any, Any>,
  right: KTable<Any, Any>,
  joiner: Joiner,
  options: Named & Materialized<Any, Any> = {},
): KTable<Any, Any> {
  const op = `KTable.${operationName(kind)}(KTable)`;
  const lp = left.position;
  const rp = right.position;
  const { ctx } = lp;
  const leftValues = tableValueGetter(lp, op);
  const rightValues = tableValueGetter(rp, op);
  const materialize = options.name !== undefined || options.storeType !== undefined;
  const base = ctx.names.derive(
    lp.anchor,
    operationName(kind),
    materialize ? undefined : options.name,
    materialize && options.name === undefined,
  );
  const storeName = materialize
    ? timestampedKeyValueStore(ctx, options.name ?? `${base}-store`, options, {
        key: lp.keySerde,
        value: options.value,
        operation: op,
      })
    : undefined;
  const row = rowOf(kind, joiner);
  const thisName = ctx.names.claim(`${base}-this`);
  const otherName = ctx.names.claim(`${base}-other`);
  ctx.graph.addProcessor(
    {
      type: 'processor',
      name: thisName,
      supplier: () => new TableTableJoinProcessor(rightValues, row),
      stores: [...rightValues.storeNames],
    },
    [lp.node],
  );
  ctx.graph.addProcessor(
    {
      type: 'processor',
      name: otherName,
      supplier: () => new TableTableJoinProcessor(leftValues, (r, l, k) => row(l, r, k)),
      stores: [...leftValues.storeNames],
    },
    [rp.node],
  );
  ctx.graph.addProcessor(
    {
      type: 'processor',
      name: base,
      supplier: () => new JoinMergerProcessor(storeName),
      stores: storeName ? [storeName] : [],
    },
    [thisName, otherName],
  );
  copartition(ctx, [lp.node, rp.node]);
  return new KTable({
    ctx,
    node: base,
    anchor: nextAnchor(lp, options.name),
    keySerde: options.key ?? lp.keySerde ?? rp.keySerde,
    valueSerde: options.value,
    repartitionRequired: false,
    storeName,
    valueGetter: storeName ? keyValueStoreGetter(storeName) : joinedGetter(leftValues, rightValues, row),
  });
}

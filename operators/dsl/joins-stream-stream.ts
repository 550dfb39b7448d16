// Windowed KStream-KStream joins: each side buffers its records in a window store and looks up the other side's;
// left and outer joins also get a shared buffer for records still waiting for a partner (see the processors).
import { PassThroughProcessor } from '../processors/stateless.js';
import { JoinWindowProcessor, StreamStreamJoinProcessor } from '../processors/stream-stream-join.js';
import { nextAnchor, repartition, requireSerde } from './build-context.js';
import { copartition, type JoinKind, operationName } from './joins.js';
import { KStream } from './kstream.js';
import { bufferStore, joinWindowStore } from './materialize.js';
import type { StreamJoined } from './options.js';
import type { JoinWindows } from './windows.js';

// biome-ignore lint/suspicious/noExplicitAny: type-erased core of KStream's typed overloads.
type Any = any;
type Joiner = (value: unknown, otherValue: unknown, key: unknown) => unknown;

export function streamStreamJoin(
  kind: JoinKind,
  left: KStream<Any, Any>,
  right: KStream<Any, Any>,
  joiner: Joiner,
  windows: JoinWindows,
  options: StreamJoined<unknown, unknown, unknown>,
): KStream<Any, Any> {
  const op = `KStream.${operationName(kind)}(KStream)`;
  let lp = left.position;
  let rp = right.position;
  const { ctx } = lp;
  const base = ctx.names.derive(
    lp.anchor,
    operationName(kind),
    options.name,
    options.storeName === undefined,
  );
  const keySerde = options.key ?? lp.keySerde ?? rp.keySerde;
  const leftValueSerde = options.value ?? lp.valueSerde;
  const rightValueSerde = options.otherValue ?? rp.valueSerde;
  // Both sides must be partitioned by the join key: a side whose key changed goes through a repartition topic.
  if (lp.repartitionRequired) {
    lp = repartition(lp, {
      name: ctx.names.topic(`${base}-left`),
      keySerde,
      valueSerde: leftValueSerde,
      operation: op,
    });
  }
  if (rp.repartitionRequired) {
    rp = repartition(rp, {
      name: ctx.names.topic(`${base}-right`),
      keySerde,
      valueSerde: rightValueSerde,
      operation: op,
    });
  }
  const key = requireSerde(keySerde, op, 'pass `key` in StreamJoined');
  const leftValue = requireSerde(leftValueSerde, op, 'pass `value` in StreamJoined');
  const rightValue = requireSerde(rightValueSerde, op, 'pass `otherValue` in StreamJoined');

  const storeBase = options.storeName ?? base;
  const storage = { storeType: options.storeType, logging: options.logging };
  // Kafka Streams' join buffers: window size before + after, kept for the window plus grace.
  const window = { retentionMs: windows.sizeMs + windows.graceMs, windowSizeMs: windows.sizeMs };
  const thisStore = joinWindowStore(ctx, `${storeBase}-this-join-store`, storage, {
    key,
    value: leftValue,
    ...window,
  });
  const otherStore = joinWindowStore(ctx, `${storeBase}-other-join-store`, storage, {
    key,
    value: rightValue,
    ...window,
  });
  const outerStore =
    kind === 'inner'
      ? undefined
      : bufferStore(ctx, `${storeBase}-${kind === 'outer' ? 'outer' : 'left'}-shared-join-store`, storage, {
          keys: [key],
          values: [leftValue, rightValue],
        });
  const outerBuffer =
    outerStore === undefined
      ? undefined
      : { storeName: outerStore, keySerde: key, leftValueSerde: leftValue, rightValueSerde: rightValue };

  const names = {
    thisWindowed: ctx.names.claim(`${base}-this-windowed`),
    otherWindowed: ctx.names.claim(`${base}-other-windowed`),
    thisJoin: ctx.names.claim(`${base}-${kind === 'outer' ? 'outer-this-join' : 'this-join'}`),
    otherJoin: ctx.names.claim(`${base}-${kind === 'inner' ? 'other-join' : 'outer-other-join'}`),
  };
  const common = {
    beforeMs: windows.beforeMs,
    afterMs: windows.afterMs,
    graceMs: windows.graceMs,
    joiner,
    outerBuffer,
  };
  const outerStores = outerStore === undefined ? [] : [outerStore];
  const { graph } = ctx;
  graph.addProcessor(
    {
      type: 'processor',
      name: names.thisWindowed,
      supplier: () => new JoinWindowProcessor(thisStore, window.retentionMs),
      stores: [thisStore],
    },
    [lp.node],
  );
  graph.addProcessor(
    {
      type: 'processor',
      name: names.otherWindowed,
      supplier: () => new JoinWindowProcessor(otherStore, window.retentionMs),
      stores: [otherStore],
    },
    [rp.node],
  );
  graph.addProcessor(
    {
      type: 'processor',
      name: names.thisJoin,
      supplier: () =>
        new StreamStreamJoinProcessor({
          ...common,
          side: 'left',
          otherStoreName: otherStore,
          outer: kind !== 'inner',
        }),
      stores: [otherStore, ...outerStores],
    },
    [names.thisWindowed],
  );
  graph.addProcessor(
    {
      type: 'processor',
      name: names.otherJoin,
      supplier: () =>
        new StreamStreamJoinProcessor({
          ...common,
          side: 'right',
          otherStoreName: thisStore,
          outer: kind === 'outer',
        }),
      stores: [thisStore, ...outerStores],
    },
    [names.otherWindowed],
  );
  graph.addProcessor(
    { type: 'processor', name: base, supplier: () => new PassThroughProcessor(), stores: [] },
    [names.thisJoin, names.otherJoin],
  );
  copartition(ctx, [lp.node, rp.node]);
  return new KStream({
    ctx,
    node: base,
    anchor: nextAnchor(left.position, options.name),
    keySerde: key,
    valueSerde: undefined,
    repartitionRequired: false,
  });
}

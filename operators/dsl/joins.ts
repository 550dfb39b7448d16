// KStream.join/leftJoin/outerJoin: picks the join by what the stream is joined with (a KStream needs JoinWindows, a
// KTable is looked up by key, a GlobalKTable by a selected key).
import type { BuildContext } from './build-context.js';
import { GlobalKTable } from './global-ktable.js';
import { streamStreamJoin } from './joins-stream-stream.js';
import { streamGlobalTableJoin, streamTableJoin } from './joins-stream-table.js';
import { KStream } from './kstream.js';
import { KTable } from './ktable.js';
import type { Joined, Named, StreamJoined } from './options.js';
import { JoinWindows } from './windows.js';

export type JoinKind = 'inner' | 'left' | 'outer';

// biome-ignore lint/suspicious/noExplicitAny: joins are type-checked by KStream's overloads; this is the erased core.
type AnyStream = KStream<any, any>;
type Joiner = (value: unknown, otherValue: unknown, key: unknown) => unknown;

export function operationName(kind: JoinKind): string {
  return kind === 'inner' ? 'join' : `${kind}Join`;
}

export function joinStream(
  kind: JoinKind,
  stream: AnyStream,
  other: unknown,
  second: unknown,
  third: unknown,
  fourth: unknown,
): AnyStream {
  const op = `KStream.${operationName(kind)}()`;
  if (other instanceof KStream) {
    if (!(third instanceof JoinWindows)) {
      throw new TypeError(
        `${op}: joining two streams needs JoinWindows (e.g. JoinWindows.ofTimeDifferenceAndGrace(ms, ms))`,
      );
    }
    return streamStreamJoin(
      kind,
      stream,
      other,
      second as Joiner,
      third,
      (fourth ?? {}) as StreamJoined<unknown, unknown, unknown>,
    );
  }
  if (kind === 'outer') throw new TypeError(`${op}: outer joins are defined between two streams only`);
  if (other instanceof KTable) {
    return streamTableJoin(
      kind,
      stream,
      other,
      second as Joiner,
      (third ?? {}) as Joined<unknown, unknown, unknown>,
    );
  }
  if (other instanceof GlobalKTable) {
    return streamGlobalTableJoin(
      kind,
      stream,
      other,
      second as (key: unknown, value: unknown) => unknown,
      third as Joiner,
      (fourth ?? {}) as Named,
    );
  }
  throw new TypeError(`${op}: can join a KStream, a KTable or a GlobalKTable, got ${String(other)}`);
}

/** Join inputs must be partitioned alike: registers the sources feeding `nodes` as co-partitioned. */
export function copartition(ctx: BuildContext, nodes: readonly string[]): void {
  const sources = ctx.graph.sourcesUpstreamOf(nodes);
  if (sources.length > 1) ctx.graph.copartitionSources(sources);
}

// KStream.toTable() and StreamsBuilder.table(): a stream materialized into a table.
import { TableSourceProcessor } from '../processors/table-source.js';
import { nextAnchor } from './build-context.js';
import type { KStream } from './kstream.js';
import { KTable } from './ktable.js';
import { timestampedKeyValueStore } from './materialize.js';
import type { Materialized, Named } from './options.js';

export function streamToTable<K, V>(
  stream: KStream<K, V>,
  options: Named & Materialized<K, V>,
  kind = 'toTable',
): KTable<K, V> {
  // A key change upstream means the stream is not partitioned by its key yet (Kafka Streams repartitions here too).
  const upstream = stream.position.repartitionRequired
    ? stream.repartition(options.name ? { name: `${options.name}-input` } : {})
    : stream;
  const p = upstream.position;
  const processorName = p.ctx.names.derive(p.anchor, kind, undefined, options.name === undefined);
  const storeName = timestampedKeyValueStore(p.ctx, options.name ?? `${processorName}-store`, options, {
    key: p.keySerde,
    value: p.valueSerde,
    operation: `${kind}()`,
  });
  p.ctx.graph.addProcessor(
    {
      type: 'processor',
      name: processorName,
      supplier: () => new TableSourceProcessor(storeName),
      stores: [storeName],
    },
    [p.node],
  );
  return new KTable<K, V>({
    ...p,
    node: processorName,
    anchor: nextAnchor(p, options.name),
    keySerde: options.key ?? p.keySerde,
    valueSerde: options.value ?? p.valueSerde,
    storeName,
  });
}

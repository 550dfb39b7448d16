// The processor behind a sink node: serializes records and hands them to the record collector.
import type { Processor, ProcessorContext } from '../../operators/api/processor.js';
import type { StreamRecord } from '../../operators/api/record.js';
import type { SinkNodeDef } from '../../operators/graph/nodes.js';
import { internalTopicName } from '../../operators/graph/topology.js';
import { isStringSerde } from '../../schemas/serdes.js';
import type { OutputRecord, RecordCollector } from './record-collector.js';

export interface SinkDeps {
  readonly applicationId: string;
  readonly collector: RecordCollector;
  /** The bytes of the current input record's key when `key` is that key, unchanged (string serde only). */
  readonly inputKeyBytes: (key: string) => Buffer | undefined;
  /** Applies the production exception handler; throws when the setting is `fail`. */
  readonly onSerializationError: (error: unknown, output: OutputRecord, processor: string) => void;
}

export function sinkProcessor(def: SinkNodeDef, deps: SinkDeps): Processor<unknown, unknown> {
  const fixedTopic =
    typeof def.topic === 'string'
      ? def.internal
        ? internalTopicName(deps.applicationId, def.topic)
        : def.topic
      : undefined;
  // A string key the topology did not change is written with the bytes it was read from (see StreamTask).
  const stringKeys = isStringSerde(def.keySerde);
  let context: ProcessorContext<never, never>;
  return {
    init(ctx) {
      context = ctx;
    },
    process(record: StreamRecord<unknown, unknown>) {
      const topic =
        fixedTopic ??
        (def.topic as Exclude<SinkNodeDef['topic'], string>)(record.key, record.value, {
          topic: context.recordMetadata()?.topic,
        });
      let key: Buffer | null = null;
      let value: Buffer | null = null;
      try {
        if (record.key != null) {
          key =
            (stringKeys ? deps.inputKeyBytes(record.key as string) : undefined) ??
            def.keySerde.serialize(topic, record.key, record.headers);
        }
        value = record.value == null ? null : def.valueSerde.serialize(topic, record.value, record.headers);
      } catch (error) {
        deps.onSerializationError(
          error,
          { topic, key, value, timestamp: record.timestamp, headers: record.headers },
          def.name,
        );
        return;
      }
      let partition: number | undefined;
      if (def.partitioner) {
        const count = deps.collector.partitionsFor(topic);
        if (count === undefined)
          throw new Error(`sink '${def.name}': partition count of '${topic}' is unknown`);
        partition = def.partitioner(topic, record.key, record.value, count);
        if (
          partition !== undefined &&
          (!Number.isInteger(partition) || partition < 0 || partition >= count)
        ) {
          throw new Error(
            `sink '${def.name}': partitioner chose partition ${partition} of '${topic}' (${count} partitions)`,
          );
        }
      }
      deps.collector.send({
        topic,
        partition,
        key,
        value,
        timestamp: record.timestamp,
        headers: record.headers,
      });
    },
  };
}

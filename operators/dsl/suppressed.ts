// KTable.suppress() options (Kafka Streams' Suppressed and BufferConfig, as object literals) and the operator itself.
import type { Windowed } from '../api/record.js';
import { TopologyBuildError } from '../graph/topology-builder.js';
import { SuppressProcessor } from '../processors/suppress.js';
import { nextAnchor, requireSerde } from './build-context.js';
import { KTable } from './ktable.js';
import { bufferStore } from './materialize.js';
import type { StoreType } from './options.js';

/**
 * How much a suppression buffer may hold, and what happens when it is full: `'emitEarly'` releases the oldest entries
 * before their time (Kafka Streams' `emitEarlyWhenFull()`, the default when a limit is set), `'shutdown'` stops the
 * task with an error (`shutDownWhenFull()`). `{}` is unbounded (`BufferConfig.unbounded()`).
 */
export interface BufferConfig {
  readonly maxRecords?: number;
  readonly maxBytes?: number;
  readonly onFull?: 'shutdown' | 'emitEarly';
}

/** A buffer that never emits early: what `untilWindowCloses` needs to emit only final results. */
export interface StrictBufferConfig extends BufferConfig {
  readonly onFull?: 'shutdown';
}

export interface SuppressedOptions {
  /** Names the suppress processor; its buffer store is `<name>-store`. */
  readonly name?: string;
  /** The buffer's store: rocksdb (default) or in-memory; changelogged either way unless `logging` is false. */
  readonly storeType?: StoreType;
}

/**
 * What KTable.suppress() holds back (Kafka Streams' Suppressed). `K` is the table key type it applies to:
 * `untilWindowCloses` only to windowed tables.
 */
export class Suppressed<K> {
  /** @internal Phantom: makes Suppressed<Windowed<...>> unusable on tables with other keys. */
  declare readonly keyType?: (key: K) => void;

  private constructor(
    /** @internal */ readonly mode: 'windowClose' | 'timeLimit',
    /** @internal */ readonly timeLimitMs: number,
    /** @internal */ readonly bufferConfig: Required<BufferConfig>,
    /** @internal */ readonly options: SuppressedOptions,
  ) {}

  /**
   * Only the final result of each window, once stream time reaches the window's end plus grace (for sessions: end +
   * inactivity gap + grace). Exactly one result per window; nothing in between.
   */
  static untilWindowCloses(
    bufferConfig: StrictBufferConfig = {},
    options: SuppressedOptions = {},
  ): Suppressed<Windowed<unknown>> {
    if ((bufferConfig.onFull as string | undefined) === 'emitEarly') {
      throw new RangeError(
        "Suppressed.untilWindowCloses: a buffer that emits early would emit non-final results; use onFull: 'shutdown'",
      );
    }
    return new Suppressed(
      'windowClose',
      0,
      checkBuffer('untilWindowCloses', bufferConfig, 'shutdown'),
      options,
    );
  }

  /**
   * The latest update of each key once `timeLimitMs` of stream time has passed since its first buffered update
   * (rate-limits a table's updates).
   */
  static untilTimeLimit(
    timeLimitMs: number,
    bufferConfig: BufferConfig = {},
    options: SuppressedOptions = {},
  ): Suppressed<unknown> {
    if (!Number.isSafeInteger(timeLimitMs) || timeLimitMs < 0) {
      throw new RangeError(
        `Suppressed.untilTimeLimit: timeLimitMs must be a non-negative integer number of ms, got ${String(timeLimitMs)}`,
      );
    }
    return new Suppressed(
      'timeLimit',
      timeLimitMs,
      checkBuffer('untilTimeLimit', bufferConfig, 'emitEarly'),
      options,
    );
  }

  /** The same suppression with a name (Kafka Streams' withName). */
  withName(name: string): Suppressed<K> {
    return new Suppressed<K>(this.mode, this.timeLimitMs, this.bufferConfig, { ...this.options, name });
  }
}

function checkBuffer(
  where: string,
  config: BufferConfig,
  defaultOnFull: 'shutdown' | 'emitEarly',
): Required<BufferConfig> {
  for (const field of ['maxRecords', 'maxBytes'] as const) {
    const v = config[field];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
      throw new RangeError(`Suppressed.${where}: ${field} must be a positive integer, got ${String(v)}`);
    }
  }
  if (config.onFull !== undefined && config.onFull !== 'shutdown' && config.onFull !== 'emitEarly') {
    throw new RangeError(
      `Suppressed.${where}: onFull must be 'shutdown' or 'emitEarly', got ${String(config.onFull)}`,
    );
  }
  return {
    maxRecords: config.maxRecords ?? Number.POSITIVE_INFINITY,
    maxBytes: config.maxBytes ?? Number.POSITIVE_INFINITY,
    onFull: config.onFull ?? defaultOnFull,
  };
}

/** KTable.suppress(): a suppress processor with its buffer store after the table. */
export function suppressTable<K, V>(table: KTable<K, V>, suppressed: Suppressed<K>): KTable<K, V> {
  const p = table.position;
  const { ctx } = p;
  let delayMs = suppressed.timeLimitMs;
  if (suppressed.mode === 'windowClose') {
    if (p.windowClose === undefined) {
      throw new TopologyBuildError(
        'suppress(Suppressed.untilWindowCloses()) needs a windowed KTable (from windowedBy(...).count/reduce/aggregate): only windows close',
      );
    }
    delayMs = p.windowClose.afterEndMs;
  }
  const name = ctx.names.derive(p.anchor, 'suppress', suppressed.options.name, true);
  const storeName = `${name}-store`;
  const keySerde = requireSerde(
    p.keySerde,
    `suppress() (store '${storeName}')`,
    'the table needs a key serde',
  );
  const valueSerde = requireSerde(
    p.valueSerde,
    `suppress() (store '${storeName}')`,
    'pass `value` in the options of the operator that produced the table (e.g. mapValues(fn, { value }))',
  );
  bufferStore(
    ctx,
    storeName,
    { storeType: suppressed.options.storeType ?? 'rocksdb' },
    {
      keys: [keySerde],
      values: [valueSerde],
    },
  );
  const { maxRecords, maxBytes, onFull } = suppressed.bufferConfig;
  const spec = {
    storeName,
    mode: suppressed.mode,
    delayMs,
    maxRecords,
    maxBytes,
    onFull,
    keySerde,
    valueSerde,
  } as const;
  ctx.graph.addProcessor(
    { type: 'processor', name, supplier: () => new SuppressProcessor(spec), stores: [storeName] },
    [p.node],
  );
  return new KTable<K, V>({
    ...p,
    node: name,
    anchor: nextAnchor(p, suppressed.options.name),
    storeName: undefined,
    valueGetter: undefined,
  });
}

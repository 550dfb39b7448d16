// A processor instantiated for one task, wired to its children, with the context it sees.
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type {
  Cancellable,
  Processor,
  ProcessorContext,
  PunctuationType,
  Punctuator,
  TaskId,
} from '../../operators/api/processor.js';
import type { RecordMetadata, StreamRecord } from '../../operators/api/record.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { StreamsMetrics } from './metrics.js';

/** What the nodes of a task share: implemented by StreamTask. */
export interface TaskServices {
  readonly applicationId: string;
  readonly taskId: TaskId;
  readonly metrics: StreamsMetrics;
  recordMetadata(): RecordMetadata | undefined;
  streamTimeMs(): number;
  wallClockMs(): number;
  store(name: string): StateStore | undefined;
  /** Global stores are readable from every processor without being connected. */
  isGlobalStore(name: string): boolean;
  schedule(
    node: ProcessorNode,
    intervalMs: number,
    type: PunctuationType,
    punctuator: Punctuator,
  ): Cancellable;
  requestCommit(): void;
  /** A forward that nobody awaited: the task waits for it before its next input record. */
  track(pending: Promise<void>): void;
}

/**
 * The context DSL processors get: the public ProcessorContext plus what the engine's own operators need
 * (metrics, their node name). Not exported from the package root.
 */
export interface InternalProcessorContext<K = unknown, V = unknown> extends ProcessorContext<K, V> {
  readonly nodeName: string;
  readonly metrics: StreamsMetrics;
  /** Counts a record an operator dropped on purpose (late, null key...): dropped-records-total{task, processor, reason}. */
  recordDropped(reason: string): void;
  /** False when no child reads `Change.oldValue` of what this node forwards to all children (see IgnoresOldValues). */
  readonly childrenReadOldValues: boolean;
}

/**
 * Implemented by processors that receive KTable Changes and never read `Change.oldValue` (KTable.toStream()): a store
 * upstream whose updates only reach such processors need not deserialize old values (Kafka Streams, likewise, sends
 * old values only where a downstream operator asks for them).
 */
export interface IgnoresOldValues {
  readonly ignoresOldValues: true;
}

/**
 * Implemented by processors that read `Change.oldValue` only to forward it in their own Changes (KTable.suppress()):
 * they need old values exactly when one of their children does (Kafka Streams' suppress likewise passes
 * enableSendingOldValues on to its parent).
 */
export interface ForwardsOldValues {
  readonly forwardsOldValues: true;
}

/** An error thrown by a processor, tagged with the node it came from (the innermost one). */
export class ProcessorFailure extends Error {
  constructor(
    readonly processor: string,
    readonly error: unknown,
  ) {
    super(`processor '${processor}' failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
    this.name = 'ProcessorFailure';
  }
}

function tagged(node: string, e: unknown): ProcessorFailure {
  return e instanceof ProcessorFailure ? e : new ProcessorFailure(node, e);
}

// biome-ignore lint/suspicious/noExplicitAny: nodes are type-erased; the DSL keeps the types.
type AnyProcessor = Processor<any, any, any, any>;

export class ProcessorNode implements InternalProcessorContext {
  readonly children: ProcessorNode[] = [];
  private readonly childrenByName = new Map<string, ProcessorNode>();
  /** The last forward of this node that has not settled; later forwards queue behind it (depth-first order). */
  private pending: Promise<void> | undefined;
  /**
   * The processor's `process` method, looked up once (again after init(), which may replace it). Nodes run processors
   * of many classes, so looking the method up per record is a megamorphic property access: calling the kept method
   * costs about half as many instructions per hop (measured, Node 20).
   */
  private processMethod: AnyProcessor['process'];

  constructor(
    readonly nodeName: string,
    private readonly processor: AnyProcessor,
    private readonly task: TaskServices,
    private readonly storeNames: readonly string[],
  ) {
    this.processMethod = processor.process;
  }

  addChild(child: ProcessorNode): void {
    this.children.push(child);
    this.childrenByName.set(child.nodeName, child);
  }

  init(): MaybePromise<void> {
    try {
      const r = this.processor.init?.(this);
      if (!isPromise(r)) {
        this.processMethod = this.processor.process;
        return r;
      }
      return r.then(
        () => {
          this.processMethod = this.processor.process;
        },
        (e) => Promise.reject(tagged(this.nodeName, e)),
      );
    } catch (e) {
      throw tagged(this.nodeName, e);
    }
  }

  process(record: StreamRecord<unknown, unknown>): MaybePromise<void> {
    try {
      const r = this.processMethod.call(this.processor, record);
      return r !== undefined && isPromise(r)
        ? r.catch((e) => Promise.reject(tagged(this.nodeName, e)))
        : undefined;
    } catch (e) {
      throw tagged(this.nodeName, e);
    }
  }

  close(): MaybePromise<void> {
    return this.processor.close?.();
  }

  // ---- ProcessorContext ----

  get applicationId(): string {
    return this.task.applicationId;
  }

  get taskId(): TaskId {
    return this.task.taskId;
  }

  get metrics(): StreamsMetrics {
    return this.task.metrics;
  }

  get childrenReadOldValues(): boolean {
    return this.children.some((child) => {
      const processor = child.processor as Partial<IgnoresOldValues & ForwardsOldValues>;
      if (processor.ignoresOldValues === true) return false;
      return processor.forwardsOldValues === true ? child.childrenReadOldValues : true;
    });
  }

  recordMetadata(): RecordMetadata | undefined {
    return this.task.recordMetadata();
  }

  currentStreamTimeMs(): number {
    return this.task.streamTimeMs();
  }

  currentSystemTimeMs(): number {
    return this.task.wallClockMs();
  }

  forward(record: StreamRecord<unknown, unknown>, childName?: string): MaybePromise<void> {
    if (this.pending === undefined && childName === undefined) {
      // The hot path (nothing queued, every child): one call less per hop than going through forwardNow.
      const children = this.children;
      const r = children.length === 1 ? children[0].process(record) : forwardFrom(children, 0, record);
      return r !== undefined && isPromise(r) ? this.setPending(r) : undefined;
    }
    if (this.pending) {
      const queued = this.pending.then(() => this.forwardNow(record, childName));
      return this.setPending(queued);
    }
    const r = this.forwardNow(record, childName);
    return r !== undefined && isPromise(r) ? this.setPending(r) : undefined;
  }

  getStateStore<S extends StateStore>(name: string): S {
    const store = this.task.store(name);
    if (!store)
      throw new Error(`processor '${this.nodeName}': no state store named '${name}' exists in this task`);
    if (!this.storeNames.includes(name) && !this.task.isGlobalStore(name)) {
      throw new Error(
        `processor '${this.nodeName}' has no access to store '${name}': connect it (process(..., { stores: ['${name}'] }))`,
      );
    }
    return store as S;
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    return this.task.schedule(this, intervalMs, type, punctuator);
  }

  commit(): void {
    this.task.requestCommit();
  }

  recordDropped(reason: string): void {
    this.task.metrics.increment('dropped-records-total', {
      task: this.task.taskId.toString(),
      processor: this.nodeName,
      reason,
    });
  }

  private forwardNow(
    record: StreamRecord<unknown, unknown>,
    childName: string | undefined,
  ): MaybePromise<void> {
    if (childName !== undefined) {
      const child = this.childrenByName.get(childName);
      if (!child) throw new Error(`processor '${this.nodeName}' has no child named '${childName}'`);
      return child.process(record);
    }
    const children = this.children;
    if (children.length === 1) return children[0].process(record);
    return forwardFrom(children, 0, record);
  }

  private setPending(p: Promise<void>): Promise<void> {
    this.pending = p;
    const clear = () => {
      if (this.pending === p) this.pending = undefined;
    };
    p.then(clear, clear);
    this.task.track(p);
    return p;
  }
}

function forwardFrom(
  children: ProcessorNode[],
  from: number,
  record: StreamRecord<unknown, unknown>,
): MaybePromise<void> {
  for (let i = from; i < children.length; i++) {
    const r = children[i].process(record);
    if (r !== undefined && isPromise(r)) return r.then(() => forwardFrom(children, i + 1, record));
  }
  return undefined;
}

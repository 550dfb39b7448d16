import type { Serde } from '../../schemas/serde.js';
import type { StateStore } from '../api/state-store.js';
import type { StoreBuilder, StoreKind, TopicConfig } from '../api/store-builder.js';
import type { StoreContext, StoreRuntime } from '../api/store-runtime.js';

/** Kafka Streams' `windowstore.changelog.additional.retention.ms` default: a day of slack for clock drift. */
export const CHANGELOG_ADDITIONAL_RETENTION_MS = 24 * 60 * 60 * 1000;

const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;

/** The changelog topic of a store: `<applicationId>-<storeName>-changelog`. */
export function changelogTopicFor(applicationId: string, storeName: string): string {
  return `${applicationId}-${storeName}-changelog`;
}

export function checkStoreName(name: string): void {
  if (typeof name !== 'string' || !LEGAL_NAME.test(name)) {
    throw new TypeError(
      `store name ${JSON.stringify(name)} is not valid: use letters, digits, '.', '_' and '-' (it becomes part of a topic name)`,
    );
  }
}

/** What the builder passes to the function that creates one store instance. */
export interface BuildParts {
  readonly context: StoreContext;
  readonly changelogTopic: string | undefined;
  readonly serdeTopic: string;
  readonly cachingEnabled: boolean;
}

export interface StoreBuilderSpec<S extends StateStore> {
  readonly name: string;
  readonly kind: StoreKind;
  readonly persistent: boolean;
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  readonly retentionMs?: number;
  readonly windowSizeMs?: number;
  /** Caching cannot be enabled (stores retaining duplicates). */
  readonly uncacheable?: string;
  readonly create: (parts: BuildParts) => S & StoreRuntime;
}

interface Settings {
  readonly cachingEnabled: boolean;
  readonly loggingEnabled: boolean;
  readonly logConfig: TopicConfig;
}

/**
 * An immutable StoreBuilder: `withCachingEnabled()` and friends return a new builder (chain them, as Kafka Streams
 * code does). Defaults as in Kafka Streams: caching disabled, logging enabled.
 */
export class StoreBuilderImpl<S extends StateStore> implements StoreBuilder<S> {
  readonly name: string;
  readonly kind: StoreKind;
  readonly persistent: boolean;
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  readonly retentionMs?: number;
  readonly windowSizeMs?: number;

  constructor(
    private readonly spec: StoreBuilderSpec<S>,
    private readonly settings: Settings = { cachingEnabled: false, loggingEnabled: true, logConfig: {} },
  ) {
    checkStoreName(spec.name);
    if (spec.keySerde === undefined || spec.keySerde === null)
      throw new TypeError(`store ${spec.name}: keySerde is required`);
    if (spec.valueSerde === undefined || spec.valueSerde === null) {
      throw new TypeError(`store ${spec.name}: valueSerde is required`);
    }
    this.name = spec.name;
    this.kind = spec.kind;
    this.persistent = spec.persistent;
    this.keySerde = spec.keySerde;
    this.valueSerde = spec.valueSerde;
    if (spec.retentionMs !== undefined) this.retentionMs = spec.retentionMs;
    if (spec.windowSizeMs !== undefined) this.windowSizeMs = spec.windowSizeMs;
  }

  get loggingEnabled(): boolean {
    return this.settings.loggingEnabled;
  }

  get cachingEnabled(): boolean {
    return this.settings.cachingEnabled;
  }

  withCachingEnabled(): StoreBuilder<S> {
    if (this.spec.uncacheable !== undefined) throw new Error(`store ${this.name}: ${this.spec.uncacheable}`);
    return new StoreBuilderImpl(this.spec, { ...this.settings, cachingEnabled: true });
  }

  withCachingDisabled(): StoreBuilder<S> {
    return new StoreBuilderImpl(this.spec, { ...this.settings, cachingEnabled: false });
  }

  withLoggingEnabled(config: TopicConfig = {}): StoreBuilder<S> {
    return new StoreBuilderImpl(this.spec, {
      ...this.settings,
      loggingEnabled: true,
      logConfig: { ...config },
    });
  }

  withLoggingDisabled(): StoreBuilder<S> {
    return new StoreBuilderImpl(this.spec, { ...this.settings, loggingEnabled: false, logConfig: {} });
  }

  changelogConfig(): TopicConfig {
    if (this.spec.retentionMs === undefined)
      return { 'cleanup.policy': 'compact', ...this.settings.logConfig };
    return {
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(this.spec.retentionMs + CHANGELOG_ADDITIONAL_RETENTION_MS),
      ...this.settings.logConfig,
    };
  }

  build(context: StoreContext): S & StoreRuntime {
    const topic = changelogTopicFor(context.applicationId, this.name);
    return this.spec.create({
      context,
      changelogTopic: this.settings.loggingEnabled ? (context.changelogTopic ?? topic) : undefined,
      serdeTopic: context.changelogTopic ?? topic,
      cachingEnabled: this.settings.cachingEnabled,
    });
  }
}

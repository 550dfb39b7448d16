// The worker's configuration from its sources, highest precedence first: command-line flags, environment variables
// (TRIBUTARY_<KEY_IN_UPPER_SNAKE_CASE>), a JSON file (--config), and last KAFKA_BOOTSTRAP_SERVERS - an ambient
// variable of the whole environment, which must not override the address a config file names. Every
// setting is named once, in SETTINGS: the flags, the environment variables and the file's keys all come from it, and
// a value that does not fit its type is an error naming the setting and where the value came from.
import { readFileSync } from 'node:fs';
import type { ExceptionHandlerSetting } from '../engine/error-handlers.js';
import type { StreamsConfig } from '../kafka/streams-config.js';

type Kind = 'string' | 'int' | 'guarantee' | 'handler' | 'properties';

interface Setting {
  readonly key: string;
  readonly kind: Kind;
  readonly help: string;
}

const HANDLER_HELP = 'fail, logAndContinue or dlq:<topic>';

/**
 * Every StreamsConfig key but restoreListener (a callback), with its type and help. Typed against StreamsConfig: a key
 * the runtime adds or renames fails to compile here until the CLI knows it.
 */
const SETTING_TABLE: Record<Exclude<keyof StreamsConfig, 'restoreListener'>, readonly [Kind, string]> = {
  applicationId: ['string', 'consumer group, transactional-id prefix, internal topic prefix (required)'],
  bootstrapServers: ['string', 'comma-separated host:port list'],
  processingGuarantee: ['guarantee', 'exactly_once_v2 (default) or at_least_once'],
  commitIntervalMs: ['int', 'commit interval (default 100 under exactly_once_v2, 30000 otherwise)'],
  stateDir: ['string', 'local state directory (default <tmpdir>/tributary)'],
  cacheMaxBytes: ['int', 'record cache budget in bytes; 0 turns caching off'],
  rocksDbMaxBytes: ['int', 'RocksDB memory budget in bytes'],
  replicationFactor: ['int', 'replication factor of internal topics (default: the broker default)'],
  maxPollRecords: ['int', 'most records one poll returns'],
  maxBufferedRecordsPerPartition: ['int', 'pause a partition above this many buffered records'],
  maxPollIntervalMs: ['int', 'longest time between polls before the group moves the tasks'],
  sessionTimeoutMs: ['int', 'how long a dead worker keeps its tasks'],
  heartbeatIntervalMs: ['int', 'consumer heartbeat interval'],
  pollMs: ['int', 'longest wait of one poll when nothing is buffered'],
  maxTaskIdleMs: [
    'int',
    'a task with an empty input partition waits this long for it (-1: never, 0: default)',
  ],
  checkpointAfterRecords: ['int', 'write a task checkpoint after this many changelog records'],
  transactionTimeoutMs: ['int', 'exactly_once_v2: longest time a transaction stays open'],
  repartitionPurgeIntervalMs: ['int', 'how often consumed repartition records are deleted'],
  clientId: ['string', 'librdkafka client.id prefix'],
  deserializationExceptionHandler: ['handler', HANDLER_HELP],
  processingExceptionHandler: ['handler', HANDLER_HELP],
  productionExceptionHandler: ['handler', HANDLER_HELP],
  consumer: ['properties', 'librdkafka consumer property key=value (repeatable)'],
  producer: ['properties', 'librdkafka producer property key=value (repeatable)'],
  admin: ['properties', 'librdkafka admin property key=value (repeatable)'],
};

/** The StreamsConfig keys the CLI accepts from flags, environment and file. */
export const SETTINGS: readonly Setting[] = Object.entries(SETTING_TABLE).map(([key, [kind, help]]) => ({
  key,
  kind,
  help,
}));

/** The worker's settings as StreamsConfig takes them (validated further by KafkaStreams itself). */
export type StreamsSettings = Record<string, unknown> & { applicationId?: string };

export interface ResolvedConfig {
  readonly streams: StreamsSettings;
  /** The config file's `topology` section: handed to a module that exports a topology function. */
  readonly topology: Record<string, unknown>;
  /** Where each setting came from (`--commit-interval-ms`, `TRIBUTARY_STATE_DIR`, `worker.json`), for messages. */
  readonly origins: Readonly<Record<string, string>>;
}

/** A configuration the user must fix: the message names the setting, its source and what is accepted. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const flagOf = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const envOf = (key: string): string =>
  `TRIBUTARY_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Any integer: ranges are StreamsConfig's to check (its errors name the setting too). */
function parseInteger(value: unknown, origin: string): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value.trim())
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw new ConfigError(`${origin}: expected an integer, got ${JSON.stringify(value)}`);
  return n;
}

function parseHandler(value: unknown, origin: string): ExceptionHandlerSetting {
  if (value === 'fail' || value === 'logAndContinue') return value;
  if (typeof value === 'string' && value.startsWith('dlq:') && value.length > 4)
    return { deadLetterQueue: value.slice(4) };
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { deadLetterQueue?: unknown }).deadLetterQueue === 'string'
  )
    return { deadLetterQueue: (value as { deadLetterQueue: string }).deadLetterQueue };
  throw new ConfigError(
    `${origin}: expected fail, logAndContinue or dlq:<topic> (in a file also {"deadLetterQueue": "<topic>"}), got ${JSON.stringify(value)}`,
  );
}

/** `key=value` pairs (flags, env as a comma-separated list) or an object (file) into librdkafka properties. */
function parseProperties(value: unknown, origin: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        throw new ConfigError(`${origin}: property '${k}' must be a string, number or boolean`);
      out[k] = v;
    }
    return out;
  }
  const pairs = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!pairs) throw new ConfigError(`${origin}: expected key=value pairs, got ${JSON.stringify(value)}`);
  for (const pair of pairs) {
    const text = String(pair).trim();
    if (text === '') continue;
    const eq = text.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${origin}: expected key=value, got '${text}'`);
    out[text.slice(0, eq).trim()] = text.slice(eq + 1).trim();
  }
  return out;
}

function parseValue(setting: Setting, value: unknown, origin: string): unknown {
  switch (setting.kind) {
    case 'string':
      if (typeof value !== 'string' || value.trim() === '')
        throw new ConfigError(`${origin}: expected a non-empty string, got ${JSON.stringify(value)}`);
      return value.trim();
    case 'int':
      return parseInteger(value, origin);
    case 'guarantee':
      if (value !== 'exactly_once_v2' && value !== 'at_least_once')
        throw new ConfigError(
          `${origin}: expected exactly_once_v2 or at_least_once, got ${JSON.stringify(value)}`,
        );
      return value;
    case 'handler':
      return parseHandler(value, origin);
    case 'properties':
      return parseProperties(value, origin);
  }
}

/** Reads and checks the JSON config file: StreamsConfig keys plus an optional `topology` object. */
export function readConfigFile(file: string): {
  streams: Record<string, unknown>;
  topology: Record<string, unknown>;
} {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`config file ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError(`config file ${file}: expected a JSON object of settings`);
  const { topology = {}, ...streams } = parsed as Record<string, unknown>;
  if (typeof topology !== 'object' || topology === null || Array.isArray(topology))
    throw new ConfigError(
      `config file ${file}: 'topology' must be an object (it is passed to the topology function)`,
    );
  const known = new Set(SETTINGS.map((s) => s.key));
  const unknown = Object.keys(streams).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new ConfigError(
      `config file ${file}: unknown setting(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}, topology`,
    );
  return { streams, topology: topology as Record<string, unknown> };
}

export interface ConfigSources {
  /** Flag values by setting key (what commander parsed; undefined when not given). */
  readonly flags: Readonly<Record<string, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  /** --config, else TRIBUTARY_CONFIG. */
  readonly file?: string;
}

/** Merges KAFKA_BOOTSTRAP_SERVERS < file < TRIBUTARY_* environment < flags, checks every value, requires an applicationId. */
export function resolveConfig(
  sources: ConfigSources,
  options: { requireApplicationId?: boolean } = {},
): ResolvedConfig {
  const file = sources.file ?? sources.env.TRIBUTARY_CONFIG;
  const fromFile = file ? readConfigFile(file) : { streams: {}, topology: {} };
  const streams: StreamsSettings = {};
  const origins: Record<string, string> = {};
  for (const setting of SETTINGS) {
    const { key } = setting;
    const candidates: Array<[unknown, string]> = [
      [sources.flags[key], flagOf(key)],
      [sources.env[envOf(key)], envOf(key)],
      [fromFile.streams[key], `${file} (${key})`],
      ...(key === 'bootstrapServers'
        ? ([[sources.env.KAFKA_BOOTSTRAP_SERVERS, 'KAFKA_BOOTSTRAP_SERVERS']] as Array<[unknown, string]>)
        : []),
    ];
    const found = candidates.find(
      ([value]) => value !== undefined && !(Array.isArray(value) && value.length === 0),
    );
    if (!found) continue;
    streams[key] = parseValue(setting, found[0], found[1]);
    origins[key] = found[1];
  }
  if (options.requireApplicationId !== false && streams.applicationId === undefined)
    throw new ConfigError(
      `no application id: pass --application-id, set TRIBUTARY_APPLICATION_ID, or put "applicationId" in the config file`,
    );
  return { streams, topology: fromFile.topology, origins };
}

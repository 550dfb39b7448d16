import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, envOf, flagOf, resolveConfig, SETTINGS } from '../../../runtime/cli/config.js';
import { resolveStreamsConfig } from '../../../runtime/kafka/streams-config.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function configFile(content: unknown): string {
  dir ??= mkdtempSync(join(tmpdir(), 'tributary-cli-'));
  const file = join(dir, 'worker.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('CLI configuration', () => {
  it('names flags and variables after the StreamsConfig keys', () => {
    expect(flagOf('commitIntervalMs')).toBe('--commit-interval-ms');
    expect(envOf('commitIntervalMs')).toBe('TRIBUTARY_COMMIT_INTERVAL_MS');
    expect(envOf('applicationId')).toBe('TRIBUTARY_APPLICATION_ID');
  });

  it('takes flags over TRIBUTARY_* variables over the file over KAFKA_BOOTSTRAP_SERVERS', () => {
    const file = configFile({
      applicationId: 'from-file',
      bootstrapServers: 'file:9092',
      stateDir: '/file',
      pollMs: 7,
    });
    const env = {
      TRIBUTARY_APPLICATION_ID: 'from-env',
      TRIBUTARY_STATE_DIR: '/env',
      KAFKA_BOOTSTRAP_SERVERS: 'ambient:9092',
    };
    const c = resolveConfig({ flags: { applicationId: 'from-flag' }, env, file });
    expect(c.streams).toEqual({
      applicationId: 'from-flag',
      bootstrapServers: 'file:9092',
      stateDir: '/env',
      pollMs: 7,
    });
    expect(c.origins).toMatchObject({ applicationId: '--application-id', stateDir: 'TRIBUTARY_STATE_DIR' });
    // Without a file value, the ambient variable is the fallback; TRIBUTARY_BOOTSTRAP_SERVERS beats both.
    expect(resolveConfig({ flags: {}, env: { ...env } }).streams.bootstrapServers).toBe('ambient:9092');
    expect(
      resolveConfig({ flags: {}, env: { ...env, TRIBUTARY_BOOTSTRAP_SERVERS: 'specific:9092' }, file })
        .streams.bootstrapServers,
    ).toBe('specific:9092');
  });

  it('reads the config file named by TRIBUTARY_CONFIG, with its topology section apart', () => {
    const file = configFile({ applicationId: 'app', topology: { threshold: 90 } });
    const c = resolveConfig({ flags: {}, env: { TRIBUTARY_CONFIG: file } });
    expect(c.streams).toEqual({ applicationId: 'app' });
    expect(c.topology).toEqual({ threshold: 90 });
  });

  it('parses numbers, guarantees, exception handlers and librdkafka properties from text', () => {
    const c = resolveConfig({
      flags: {
        applicationId: 'app',
        commitIntervalMs: '250',
        processingGuarantee: 'at_least_once',
        deserializationExceptionHandler: 'dlq:poison',
        consumer: ['fetch.wait.max.ms=10', 'client.rack=a'],
      },
      env: { TRIBUTARY_PRODUCER: 'linger.ms=20,compression.type=lz4', TRIBUTARY_MAX_TASK_IDLE_MS: '-1' },
    });
    expect(c.streams).toEqual({
      applicationId: 'app',
      commitIntervalMs: 250,
      processingGuarantee: 'at_least_once',
      deserializationExceptionHandler: { deadLetterQueue: 'poison' },
      consumer: { 'fetch.wait.max.ms': '10', 'client.rack': 'a' },
      producer: { 'linger.ms': '20', 'compression.type': 'lz4' },
      maxTaskIdleMs: -1,
    });
  });

  it('rejects a value that does not fit, naming the setting and where it came from', () => {
    const base = { applicationId: 'app' };
    expect(() => resolveConfig({ flags: { ...base, commitIntervalMs: '1s' }, env: {} })).toThrow(
      '--commit-interval-ms: expected an integer, got "1s"',
    );
    expect(() =>
      resolveConfig({ flags: base, env: { TRIBUTARY_PROCESSING_GUARANTEE: 'exactly_once' } }),
    ).toThrow(
      'TRIBUTARY_PROCESSING_GUARANTEE: expected exactly_once_v2 or at_least_once, got "exactly_once"',
    );
    expect(() =>
      resolveConfig({ flags: { ...base, productionExceptionHandler: 'ignore' }, env: {} }),
    ).toThrow(/--production-exception-handler: expected fail, logAndContinue or dlq:<topic>/);
    expect(() => resolveConfig({ flags: { ...base, consumer: ['fetch.wait.max.ms'] }, env: {} })).toThrow(
      "--consumer: expected key=value, got 'fetch.wait.max.ms'",
    );
    const file = configFile({ applicationId: 'app', sessionTimeoutMs: 'long' });
    expect(() => resolveConfig({ flags: {}, env: {}, file })).toThrow(
      `${file} (sessionTimeoutMs): expected an integer`,
    );
  });

  it('rejects unknown keys and broken JSON in the file', () => {
    const typo = configFile({ applicationId: 'app', comitIntervalMs: 100 });
    expect(() => resolveConfig({ flags: {}, env: {}, file: typo })).toThrow(
      /unknown setting\(s\) comitIntervalMs; known: applicationId/,
    );
    const broken = configFile('{ "applicationId": ');
    expect(() => resolveConfig({ flags: {}, env: {}, file: broken })).toThrow(
      `config file ${broken} is not valid JSON`,
    );
    expect(() => resolveConfig({ flags: {}, env: {}, file: '/nonexistent/worker.json' })).toThrow(
      /config file \/nonexistent\/worker.json: ENOENT/,
    );
    const topology = configFile({ applicationId: 'app', topology: [1] });
    expect(() => resolveConfig({ flags: {}, env: {}, file: topology })).toThrow(
      "'topology' must be an object",
    );
  });

  it('requires an application id and says how to give one', () => {
    expect(() => resolveConfig({ flags: {}, env: {} })).toThrow(ConfigError);
    expect(() => resolveConfig({ flags: {}, env: {} })).toThrow(
      'no application id: pass --application-id, set TRIBUTARY_APPLICATION_ID, or put "applicationId" in the config file',
    );
    expect(resolveConfig({ flags: {}, env: {} }, { requireApplicationId: false }).streams).toEqual({});
  });

  it('knows only keys KafkaStreams accepts (a file with every setting passes StreamsConfig validation)', () => {
    const sample: Record<string, unknown> = {
      string: 'x',
      int: 100,
      guarantee: 'exactly_once_v2',
      handler: 'logAndContinue',
      properties: { 'client.rack': 'a' },
    };
    const all = Object.fromEntries(SETTINGS.map((s) => [s.key, sample[s.kind]]));
    const file = configFile({
      ...all,
      applicationId: 'app',
      stateDir: '/tmp/x',
      heartbeatIntervalMs: 10,
      transactionTimeoutMs: 10_000,
    });
    const c = resolveConfig({ flags: {}, env: {}, file });
    expect(() => resolveStreamsConfig(c.streams as never, {})).not.toThrow();
    expect(Object.keys(c.streams).sort()).toEqual(SETTINGS.map((s) => s.key).sort());
  });
});

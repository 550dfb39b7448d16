import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// Runs in a fresh Node process: whether a CommonJS package has been loaded is only observable in a clean require cache.
const script = `
import { createRequire } from 'node:module';
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('@confluentinc/schemaregistry'));
const { avroSerde, lazySchemaRegistryClient } = await import('./schemas/avro/index.ts');
const registry = lazySchemaRegistryClient('http://127.0.0.1:9', { maxRetries: 0 });
const serde = avroSerde('string', registry);
const before = loaded();
const error = await serde.prepare({ topic: 't', isKey: false }).then(() => 'none', (e) => e.message);
console.log(JSON.stringify({ before, after: loaded(), error }));
`;

describe('lazySchemaRegistryClient', () => {
  it('loads @confluentinc/schemaregistry only on the first registry call', { timeout: 30_000 }, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result.before).toBe(false);
    expect(result.after).toBe(true);
    expect(result.error).toMatch(
      /avro\(string\): cannot register this schema under subject "t-value" for topic "t"/,
    );
  });
});

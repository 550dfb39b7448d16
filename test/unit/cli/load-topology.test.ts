import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../runtime/cli/config.js';
import { loadTopology } from '../../../runtime/cli/load-topology.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const sources = (t: { sourceTopics(): string[] }) => t.sourceTopics();

describe('loading the topology module', () => {
  it('calls a default-exported function with the topology config', async () => {
    expect(
      sources(await loadTopology(fixture('default-export.ts'), { topologyConfig: { input: 'metrics' } })),
    ).toEqual(['metrics']);
  });

  it('takes a named export: a Topology, or a function given the topology config and the streams settings', async () => {
    expect(sources(await loadTopology(fixture('topologies.ts'), { exportName: 'ready' }))).toEqual(['in']);
    const t = await loadTopology(fixture('topologies.ts'), {
      exportName: 'fromConfig',
      topologyConfig: { input: 'a', output: 'b' },
      streamsConfig: { applicationId: 'app' },
    });
    expect(t.describe().toString()).toContain('app-b');
  });

  it('says what is wrong with the module, the export or what it returned', async () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['missing.ts', undefined, /topology module not found: .*missing\.ts/],
      ['no-topology.ts', undefined, /no-topology\.ts exports no topology: export default a Topology/],
      [
        'topologies.ts',
        undefined,
        /exports several candidates \(.*ready.*\): choose one with --export <name>/,
      ],
      ['topologies.ts', 'nope', /has no export named 'nope'; its exports: .*pipe/],
      [
        'topologies.ts',
        'notATopology',
        /export 'notATopology' of .* is a number, not a Topology or a function returning one/,
      ],
      [
        'topologies.ts',
        'broken',
        /export 'broken' of .* threw while building the topology: Error: no input topic configured/,
      ],
      [
        'topologies.ts',
        'forgotBuild',
        /returned an object \(StreamsBuilder\), not a Topology \(did you forget builder\.build\(\)\?\)/,
      ],
    ];
    for (const [file, exportName, message] of cases) {
      const loading = loadTopology(fixture(file), exportName ? { exportName } : {});
      await expect(loading).rejects.toThrow(ConfigError);
      await expect(loading).rejects.toThrow(message);
    }
  });
});

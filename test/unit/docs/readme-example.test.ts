// The README's example is the code in examples/hot-cpu/, verbatim: the example's own test (run by `npm test`) then
// proves what a newcomer reads, and the README cannot drift from a working API.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

describe('README example', () => {
  it.each(['examples/hot-cpu/topology.ts', 'examples/hot-cpu/topology.test.ts'])(
    'shows %s verbatim in a ts code block',
    (path) => {
      expect(read('README.md')).toContain('```ts\n' + read(path) + '```\n');
    },
  );

  it('runs the example module with the tributary command', () => {
    expect(read('README.md')).toContain('npx tributary run examples/hot-cpu/topology.ts');
  });
});

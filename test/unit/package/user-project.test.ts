// `import ... from 'tributary'` in a user's project: the package as it ships (package.json + the compiled dist/ that
// `npm pack` builds through `prepack`) is installed into a separate project, which type-checks against the shipped
// declarations and runs a topology on the TopologyTestDriver. Nothing of the checkout's TypeScript sources is used.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tributary-user-project-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const userCode = `import { Serdes, StreamsBuilder, TopologyTestDriver, type KStream } from 'tributary';

const builder = new StreamsBuilder();
const words: KStream<string, string> = builder.stream('lines', { key: Serdes.string(), value: Serdes.string() });
words
  .flatMapValues((line) => line.split(' '))
  .selectKey((_k, word) => word)
  .groupByKey({ key: Serdes.string(), value: Serdes.string() })
  .count({ name: 'word-counts' })
  .toStream()
  .to('counts', { key: Serdes.string(), value: Serdes.long() });

const driver = new TopologyTestDriver(builder.build());
await driver.createInputTopic('lines', Serdes.string(), Serdes.string()).pipeInput('l1', 'to be or not to be');
const out = driver.createOutputTopic('counts', Serdes.string(), Serdes.long()).readKeyValuesToList();
console.log(JSON.stringify(out.filter((kv) => kv.key === 'to' || kv.key === 'be')));
await driver.close();
`;

describe("the package in a user's project", () => {
  it('type-checks against the shipped declarations and runs from the compiled JavaScript', {
    timeout: 120_000,
  }, async () => {
    // The package as `npm pack` ships it: package.json and dist/ (its dependencies from this checkout's install).
    const pkg = join(work, 'node_modules', 'tributary');
    mkdirSync(pkg, { recursive: true });
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    await run('npx', ['tsc', '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], {
      cwd: root,
    });
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
    // @types/node for the user's compile, from this checkout.
    mkdirSync(join(work, 'node_modules', '@types'), { recursive: true });
    symlinkSync(join(root, 'node_modules', '@types', 'node'), join(work, 'node_modules', '@types', 'node'));

    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'app', type: 'module' }));
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: true,
          outDir: 'out',
        },
        files: ['main.ts'],
      }),
    );
    writeFileSync(join(work, 'main.ts'), userCode);
    // The user's compiler, run in the user's project (no custom export condition: the `types`/`import` entries).
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: work });

    const { stdout } = await run(process.execPath, ['out/main.js'], {
      cwd: work,
      env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'error' },
    });
    // One input record, so the record cache emits each word's latest count once.
    expect(JSON.parse(stdout.trim())).toEqual([
      { key: 'to', value: 2 },
      { key: 'be', value: 2 },
    ]);
  });

  it('packs dist/ (built by prepack), where the exports point', async () => {
    const { readFileSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(manifest.scripts.prepack).toBe('npm run build');
    expect(manifest.exports['.'].import).toBe('./dist/index.js');
    expect(manifest.exports['.'].types).toBe('./dist/index.d.ts');
    // dist/ is git-ignored: without `files`, npm pack would leave it out.
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'runtime/cli/bin.cjs']));
  });
});

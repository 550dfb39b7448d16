// The `tributary` command as users run it (node runtime/cli/bin.cjs): describe, configuration errors and exit
// codes, the thread pool the launcher sets up, and `run` stopped by SIGINT: a clean shutdown (commit, checkpoint,
// leave the group) after which a restarted worker continues from the committed state.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../../support/kafka.js';
import {
  awaitProcessed,
  createTopics,
  produceInput,
  readCommitted,
  sourceTopicsOf,
} from './support/kafka-io.js';
import { buildTopology, modulePath } from './support/proof.js';
import { CLI, WorkerProcess } from './support/worker-process.js';
import { TempDirs } from './support/workloads.js';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

const run = promisify(execFile);

/** Runs the CLI to completion: exit code, stdout, stderr. */
async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'error', ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

function configFile(content: unknown): string {
  const file = join(dirs.create(), 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('tributary describe', () => {
  const config = configFile({ topology: { orders: 'orders', profiles: 'profiles', output: 'enriched' } });

  it("prints Kafka Streams' text layout, JSON or a Mermaid flowchart of the module's topology", async () => {
    const text = await cli(['describe', modulePath('join'), '--config', config]);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('Sub-topology: 0');
    expect(text.out).toContain('Source: orders-source (topics: [orders])');
    expect(text.out).toContain('Sink: orders-to-enriched (topic: enriched)');

    const json = await cli(['describe', modulePath('join'), '--config', config, '--json']);
    expect(json.code, json.err).toBe(0);
    const description = JSON.parse(json.out);
    expect(description.subtopologies).toHaveLength(1);
    expect(description.stores.map((s: { name: string }) => s.name)).toEqual(['profiles']);

    const mermaid = await cli(['describe', modulePath('join'), '--config', config, '--mermaid']);
    expect(mermaid.code, mermaid.err).toBe(0);
    expect(mermaid.out.startsWith('flowchart')).toBe(true);
  });
});

describe('configuration errors', () => {
  it('exit with code 2 and a message naming what is wrong', async () => {
    const noId = await cli(['run', modulePath('words')], { TRIBUTARY_CONFIG: '' });
    expect(noId.code).toBe(2);
    expect(noId.err).toContain(
      'tributary: no application id: pass --application-id, set TRIBUTARY_APPLICATION_ID',
    );

    const badNumber = await cli([
      'run',
      modulePath('words'),
      '--application-id',
      'x',
      '--commit-interval-ms',
      'soon',
    ]);
    expect(badNumber.code).toBe(2);
    expect(badNumber.err).toContain('--commit-interval-ms: expected an integer, got "soon"');

    // A value of the right type that StreamsConfig rejects: its own message.
    const words = configFile({ topology: { input: 'lines', output: 'counts' } });
    const badSetting = await cli([
      'run',
      modulePath('words'),
      '--config',
      words,
      '--application-id',
      'x',
      '--commit-interval-ms',
      '0',
    ]);
    expect(badSetting.code).toBe(2);
    expect(badSetting.err).toContain('commitIntervalMs must be a positive integer, got 0');

    const missing = await cli(['describe', '/nonexistent/topology.ts']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('topology module not found: /nonexistent/topology.ts');

    const unknownFlag = await cli(['run', modulePath('words'), '--no-such-flag']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.err).toContain("unknown option '--no-such-flag'");

    const both = await cli(['describe', modulePath('words'), '--json', '--mermaid']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('choose one of --json and --mermaid');
  });

  it('exits with code 1 when the worker cannot start (a source topic is missing)', async () => {
    const config = configFile({
      applicationId: uniqueName('cli-missing'),
      stateDir: dirs.create(),
      topology: { input: uniqueName('absent'), output: uniqueName('out') },
    });
    const r = await cli(['run', modulePath('words'), '--config', config]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/source topic does not exist: absent-/);
  });
});

describe('the launcher', () => {
  it("gives libuv's thread pool more than 6 threads before any module loads (UV_THREADPOOL_SIZE=16), unless set", async () => {
    const probe = modulePath('threadpool-probe');
    const ok = await cli(['describe', probe], { UV_THREADPOOL_SIZE: '' });
    expect(ok.code, ok.err).toBe(0);
    const four = await cli(['describe', probe], { UV_THREADPOOL_SIZE: '4' });
    expect(four.code).toBe(2);
    expect(four.err).toContain("libuv's thread pool has at most 6 threads (UV_THREADPOOL_SIZE=4)");
  });
});

describe('tributary run', () => {
  it('stops cleanly on SIGINT (exit 0); a restarted worker continues from the committed state', {
    timeout: 120_000,
  }, async () => {
    const base = uniqueName('cli-run');
    const topology = { input: `${base}-lines`, output: `${base}-counts` };
    const applicationId = `${base}-app`;
    await createTopics([
      { name: topology.input, partitions: 2 },
      { name: topology.output, partitions: 2 },
    ]);
    const built = await buildTopology('words', topology);
    const now = Date.now();
    const line = (i: number, text: string) => ({
      topic: topology.input,
      key: `l${i}`,
      value: text,
      timestamp: now + i,
    });
    const worker = new WorkerProcess({
      module: modulePath('words'),
      applicationId,
      stateDir: dirs.create(),
      topology,
      args: ['--http-port', '0'],
    });
    try {
      worker.start();
      await worker.waitFor('RUNNING');
      expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${worker.url}/health/ready`)).status).toBe(200);
      await produceInput([line(0, 'alpha beta'), line(1, 'alpha')]);
      await awaitProcessed(applicationId, sourceTopicsOf(built, applicationId));

      expect(await worker.kill('SIGINT')).toEqual({ code: 0, signal: null });
      expect(worker.states.slice(-2)).toEqual(['PENDING_SHUTDOWN', 'NOT_RUNNING']);

      worker.start();
      await worker.waitFor('RUNNING');
      await produceInput([line(2, 'alpha')]);
      await awaitProcessed(applicationId, sourceTopicsOf(built, applicationId));
      expect(await worker.stop()).toEqual({ code: 0, signal: null });
    } finally {
      if (worker.running) await worker.kill();
    }
    const counts = (await readCommitted(topology.output)).map((r) => [
      r.key?.toString(),
      r.value?.readBigInt64BE().toString(),
    ]);
    expect(counts.filter(([k]) => k === 'alpha').map(([, v]) => v)).toEqual(['1', '2', '3']);
    expect(counts.filter(([k]) => k === 'beta').map(([, v]) => v)).toEqual(['1']);
  });
});

// Crash tests at the store layer: a child process runs a task on RocksDB stores and is killed with SIGKILL at a
// chosen point of the commit cycle; the state recovered from local state + checkpoint + changelog must equal the
// committed state, never more (aborted work) and never less.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE } from '../../../state/checkpoint-file.js';
import { expectedState, openTask, readState } from './support/crash-workload.js';
import { FileChangelog } from './support/file-changelog.js';
import { tempDir } from './support/fixtures.js';

const CHILD = join(import.meta.dirname, 'support', 'crash-child.ts');
const children: ChildProcess[] = [];
const dirs: { remove: () => void }[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const d of dirs.splice(0)) d.remove();
});

/** Runs the child until it prints READY, waits `delayMs`, kills it with SIGKILL. */
async function runAndKill(args: string[], delayMs = 0, env: Record<string, string> = {}): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      if (String(d).includes('READY')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before READY: ${stderr}`)));
  });
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function recover(taskDir: string, changelog: FileChangelog) {
  const task = openTask(taskDir, changelog);
  await task.m.initialize();
  await task.m.restore(changelog);
  const state = await readState(task);
  const fresh = new Map(task.m.freshReasons);
  await task.m.close();
  return { state, fresh };
}

function setup() {
  const dir = tempDir('tributary-crash');
  dirs.push(dir);
  const taskDir = join(dir.path, 'task');
  const changelogPath = join(dir.path, 'changelog.jsonl');
  return { taskDir, changelogPath, changelog: new FileChangelog(changelogPath) };
}

function committedTransactions(changelogPath: string): number {
  return readFileSync(changelogPath, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"marker"')).length;
}

describe('crash recovery at the store layer (child process killed with SIGKILL)', { timeout: 60_000 }, () => {
  it('between "Kafka transaction committed" and "applied locally": recovery replays the committed tail', async () => {
    const { taskDir, changelogPath, changelog } = setup();
    await runAndKill([taskDir, changelogPath, '3', 'committed-not-applied']);
    expect(committedTransactions(changelogPath)).toBe(4);
    const { state, fresh } = await recover(taskDir, changelog);
    expect(fresh.size).toBe(0); // resumed from the checkpoint of transaction 3, not a full restore
    expect(state).toEqual(expectedState(4));
  });

  it('between "written locally" and "committed": the uncommitted transaction leaves no trace', async () => {
    const { taskDir, changelogPath, changelog } = setup();
    await runAndKill([taskDir, changelogPath, '3', 'written-not-committed']);
    expect(committedTransactions(changelogPath)).toBe(3);
    const { state, fresh } = await recover(taskDir, changelog);
    expect(fresh.size).toBe(0);
    expect(state).toEqual(expectedState(3));
  });

  it('between "applied locally" and "checkpoint written": replaying records already applied changes nothing', async () => {
    const { taskDir, changelogPath, changelog } = setup();
    await runAndKill([taskDir, changelogPath, '3', 'applied-not-checkpointed']);
    const { state } = await recover(taskDir, changelog);
    expect(state).toEqual(expectedState(4));
  });

  it('at arbitrary moments of a commit loop: recovered state equals the committed state', async () => {
    for (const delay of [150, 400, 900]) {
      const { taskDir, changelogPath, changelog } = setup();
      await runAndKill([taskDir, changelogPath, '0', 'loop'], delay);
      const committed = committedTransactions(changelogPath);
      const { state } = await recover(taskDir, changelog);
      expect(state, `killed after ${delay} ms, ${committed} transactions committed`).toEqual(
        expectedState(committed),
      );
    }
  });

  it('with checkpoints only every few hundred records: recovery replays a longer tail to the same state', async () => {
    for (const every of ['300', '1000000']) {
      const { taskDir, changelogPath, changelog } = setup();
      await runAndKill([taskDir, changelogPath, '0', 'loop'], 600, { CHECKPOINT_AFTER_RECORDS: every });
      const committed = committedTransactions(changelogPath);
      const { state, fresh } = await recover(taskDir, changelog);
      expect(state, `checkpoint every ${every} records, ${committed} committed`).toEqual(
        expectedState(committed),
      );
      if (every === '1000000') expect(fresh.get('counts')).toBe('no checkpoint');
    }
  });

  it('after recovery the task goes on from the committed state (a second crash and recovery)', async () => {
    const { taskDir, changelogPath, changelog } = setup();
    await runAndKill([taskDir, changelogPath, '2', 'committed-not-applied']);
    // The child restarts from what is committed (3 transactions) and crashes again mid-way through its 2nd commit.
    await runAndKill([taskDir, changelogPath, '0', 'loop'], 300);
    const committed = committedTransactions(changelogPath);
    expect(committed).toBeGreaterThanOrEqual(3);
    const { state } = await recover(taskDir, changelog);
    expect(readFileSync(join(taskDir, CHECKPOINT_FILE), 'utf8')).toContain('tributary-checkpoint');
    expect(state.counts.find(([k]) => k === 'k0')?.[1]).toBe(committed);
  });
});

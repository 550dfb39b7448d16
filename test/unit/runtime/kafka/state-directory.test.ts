// The state directory of a worker: one worker per directory (a clear error names the owner), a worker id that
// survives restarts (it makes the transactional id), and a lock left by a dead process taken over.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateDirectory, StateDirectoryLockedError } from '../../../../runtime/kafka/state-directory.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-statedir-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('StateDirectory', () => {
  it('keeps the worker id across restarts and gives tasks their directories', () => {
    const root = tempDir();
    const first = StateDirectory.lock(root, 'app');
    const id = first.workerId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.taskDir('1_3')).toBe(join(root, 'app', '1_3'));
    first.release();
    const second = StateDirectory.lock(root, 'app');
    expect(second.workerId).toBe(id);
    second.release();
    expect(StateDirectory.lock(tempDir(), 'app').workerId).not.toBe(id);
  });

  it('refuses a second worker on the same directory, naming the owner', () => {
    const root = tempDir();
    const owner = StateDirectory.lock(root, 'app');
    expect(() => StateDirectory.lock(root, 'app')).toThrow(StateDirectoryLockedError);
    expect(() => StateDirectory.lock(root, 'app')).toThrow(
      `state directory ${join(root, 'app')} is in use by process ${process.pid}`,
    );
    // Another application id is another directory.
    StateDirectory.lock(root, 'other-app').release();
    owner.release();
    StateDirectory.lock(root, 'app').release();
  });

  it('refuses a directory another live process holds, and takes over the lock of a dead one', () => {
    const root = tempDir();
    StateDirectory.lock(root, 'app').release();
    const lockFile = join(root, 'app', '.lock');
    // pid 1 is alive (init); a pid beyond the kernel's limit is not.
    writeFileSync(lockFile, '1\n');
    expect(() => StateDirectory.lock(root, 'app')).toThrow('is in use by process 1');
    writeFileSync(lockFile, '99999999\n');
    const taken = StateDirectory.lock(root, 'app');
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    taken.release();
  });

  it('keeps the global stores directory across starts (the global checkpoint decides what is trusted)', () => {
    const root = tempDir();
    const dir = StateDirectory.lock(root, 'app');
    writeFileSync(join(dir.globalDir(), 'kept'), 'x');
    dir.release();
    const again = StateDirectory.lock(root, 'app');
    expect(readFileSync(join(again.globalDir(), 'kept'), 'utf8')).toBe('x');
    again.release();
  });
});

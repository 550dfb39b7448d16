// `<stateDir>/<applicationId>/`: the local state of one worker. It holds a lock (one worker per directory), the
// worker's persistent id, one directory per task and one for global stores.
//
// Why a persistent worker id: the transactional id is `<applicationId>-<workerId>`. A worker restarted on the same
// directory reuses it, so its producer's initTransactions aborts the transaction the crashed process left open at
// once, instead of read_committed readers waiting transaction.timeout.ms for the coordinator to do it.
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = '.lock';
const WORKER_ID_FILE = 'worker-id';
const GLOBAL_DIR = 'global';

/** Directories locked by this process (a second instance in the same process must fail too). */
const lockedHere = new Set<string>();

export class StateDirectoryLockedError extends Error {
  constructor(
    readonly directory: string,
    readonly ownerPid: number,
  ) {
    super(
      `state directory ${directory} is in use by process ${ownerPid}${ownerPid === process.pid ? ' (this process: another KafkaStreams instance)' : ''}: ` +
        'give each worker its own stateDir',
    );
    this.name = 'StateDirectoryLockedError';
  }
}

export class StateDirectory {
  readonly appDir: string;
  readonly workerId: string;
  #released = false;

  private constructor(appDir: string, workerId: string) {
    this.appDir = appDir;
    this.workerId = workerId;
  }

  /** Creates and locks `<stateDir>/<applicationId>`, reading (or creating) the worker id. */
  static lock(stateDir: string, applicationId: string): StateDirectory {
    const appDir = join(stateDir, applicationId);
    mkdirSync(appDir, { recursive: true });
    acquireLock(appDir);
    try {
      return new StateDirectory(appDir, readOrCreateWorkerId(appDir));
    } catch (e) {
      releaseLock(appDir);
      throw e;
    }
  }

  taskDir(taskId: string): string {
    return join(this.appDir, taskId);
  }

  /** Global stores' local state and their checkpoint (kept across starts: global-state.ts decides what to trust). */
  globalDir(): string {
    const dir = join(this.appDir, GLOBAL_DIR);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    releaseLock(this.appDir);
  }
}

function acquireLock(appDir: string): void {
  const path = join(appDir, LOCK_FILE);
  if (lockedHere.has(appDir)) throw new StateDirectoryLockedError(appDir, process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      lockedHere.add(appDir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = lockOwner(path);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new StateDirectoryLockedError(appDir, owner);
    }
    // The owner died without releasing (kill -9), or an earlier instance of this process leaked it: take it over.
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new Error(`could not lock state directory ${appDir}: the lock file keeps reappearing`);
}

function releaseLock(appDir: string): void {
  lockedHere.delete(appDir);
  const path = join(appDir, LOCK_FILE);
  if (lockOwner(path) !== process.pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function lockOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOrCreateWorkerId(appDir: string): string {
  const path = join(appDir, WORKER_ID_FILE);
  try {
    const id = readFileSync(path, 'utf8').trim();
    if (/^[a-zA-Z0-9-]{8,64}$/.test(id)) return id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const id = randomUUID();
  // Written atomically: a crash mid-write must not leave a half id that a restart would then replace.
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${id}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return id;
}

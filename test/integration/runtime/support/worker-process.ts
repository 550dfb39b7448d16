// A worker as its own process, started the way users start one: `node runtime/cli/bin.cjs run <module> ...` (the
// CLI launcher, tsx, config from flags and a JSON file). The harness follows the worker's state through its JSON
// log lines on stdout, stops it with a signal, or kills it with SIGKILL mid-run, and restarts it on the same state
// directory (same worker id, so the same transactional id).
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaStreamsState } from 'tributary';
import { bootstrapServers } from '../../../support/kafka.js';

export const CLI = fileURLToPath(new URL('../../../../runtime/cli/bin.cjs', import.meta.url));

export interface WorkerSpec {
  /** The topology module (support/topologies/*.ts). */
  readonly module: string;
  readonly applicationId: string;
  readonly stateDir: string;
  /** Passed to the module's topology function (the config file's `topology` section). */
  readonly topology: Record<string, unknown>;
  /** Further StreamsConfig settings (the config file). */
  readonly streams?: Record<string, unknown>;
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  readonly bootstrap?: string;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

let workerSeq = 0;

/** Worker processes still running: killed when this process exits, so a failed test run leaves none behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One worker process: start() spawns it, kill()/stop() end it; start() again restarts it on the same state. */
export class WorkerProcess {
  readonly name: string;
  readonly configFile: string;
  /** States seen in the current process's log, oldest first. */
  states: KafkaStreamsState[] = [];
  /** Tasks of each assignment the current process logged (eager rebalancing: each one is the whole assignment). */
  assignments: string[][] = [];
  /** Log lines of every process this worker ran (for failure messages). */
  readonly log: string[] = [];
  starts = 0;
  #child: ChildProcess | undefined;
  #exit: Promise<Exit> | undefined;
  #waiters: Array<() => void> = [];
  #url: string | undefined;

  constructor(readonly spec: WorkerSpec) {
    this.name = `worker-${++workerSeq}`;
    this.configFile = join(spec.stateDir, `${this.name}.json`);
    writeFileSync(
      this.configFile,
      JSON.stringify({
        applicationId: spec.applicationId,
        bootstrapServers: spec.bootstrap ?? bootstrapServers(),
        stateDir: spec.stateDir,
        // Quick failure detection and rebalances in tests.
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 1_000,
        ...spec.streams,
        topology: spec.topology,
      }),
    );
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The operations endpoint (with `--http-port 0` in args), once the worker logged it. */
  get url(): string | undefined {
    return this.#url;
  }

  start(): void {
    if (this.#child) throw new Error(`${this.name} is already running`);
    this.states = [];
    this.assignments = [];
    this.#url = undefined;
    this.starts++;
    const child = spawn(
      process.execPath,
      [CLI, 'run', this.spec.module, '--config', this.configFile, ...(this.spec.args ?? [])],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'info', ...this.spec.env },
      },
    );
    this.#child = child;
    live.add(child);
    const tag = `[${this.name}#${this.starts}]`;
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        this.#onLine(buffered.slice(0, nl), tag);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => this.log.push(`${tag} stderr ${chunk.toString().trimEnd()}`));
    this.#exit = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.#child = undefined;
        this.log.push(`${tag} exited code=${code} signal=${signal}`);
        for (const wake of this.#waiters.splice(0)) wake();
        resolve({ code, signal });
      });
    });
  }

  #onLine(line: string, tag: string): void {
    // TRIBUTARY_PROOF_LOG_DIR=<dir>: every line of every worker process, in <dir>/<worker>.log.
    const logDir = process.env.TRIBUTARY_PROOF_LOG_DIR;
    if (logDir) appendFileSync(join(logDir, `${this.name}.log`), `${tag} ${line}\n`);
    let entry:
      | { msg?: string; to?: KafkaStreamsState; url?: string; level?: number; tasks?: string[] }
      | undefined;
    try {
      entry = JSON.parse(line);
    } catch {
      this.log.push(`${tag} ${line}`);
      return;
    }
    if (entry?.msg === 'state change' && entry.to) this.states.push(entry.to);
    if (entry?.msg === 'operations endpoint listening' && entry.url) this.#url = entry.url;
    if (entry?.msg === 'tasks assigned' && entry.tasks) this.assignments.push(entry.tasks);
    // Keep what explains a failure: warnings, errors, state changes, lifecycle lines.
    const lifecycle = ['state change', 'stopped', 'tasks assigned', 'tasks closed'];
    if ((entry?.level ?? 0) >= 40 || lifecycle.includes(entry?.msg ?? '')) this.log.push(`${tag} ${line}`);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /**
   * Resolves once the current process logged `state` - at or after position `since` of `states` (default: at any
   * time); rejects if it exits or times out.
   */
  async waitFor(state: KafkaStreamsState, timeoutMs = 60_000, since = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.states.includes(state, since)) {
      if (!this.#child) throw new Error(`${this.name} exited before reaching ${state}:\n${this.tail()}`);
      if (Date.now() > deadline)
        throw new Error(
          `${this.name} did not reach ${state} in ${timeoutMs} ms (states ${this.states.join(' > ')}):\n${this.tail()}`,
        );
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 250);
      });
    }
  }

  /** Sends `signal` (SIGKILL: no shutdown at all) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    const exit = this.#exit;
    if (!this.#child || !exit) throw new Error(`${this.name} is not running`);
    this.#child.kill(signal);
    return exit;
  }

  /** SIGTERM and the exit code of the clean shutdown. */
  async stop(timeoutMs = 60_000): Promise<Exit> {
    const exit = this.#exit;
    if (!this.#child || !exit) throw new Error(`${this.name} is not running`);
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), timeoutMs);
    try {
      return await exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves with the exit of the current process (when it ends by itself). */
  exited(): Promise<Exit> {
    if (!this.#exit) throw new Error(`${this.name} was never started`);
    return this.#exit;
  }

  /** The runtime's non-zero counters from /metrics (needs `--http-port` in args), for failure reports. */
  async counters(): Promise<string> {
    if (!this.#url || !this.running) return '(no operations endpoint)';
    try {
      const text = await (await fetch(`${this.#url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      return text
        .split('\n')
        .filter((l) => /^tributary_(?!metrics)/.test(l) && !/ 0$/.test(l))
        .join('; ');
    } catch (e) {
      return `(/metrics failed: ${(e as Error).message})`;
    }
  }

  tail(lines = 30): string {
    return this.log.slice(-lines).join('\n');
  }
}

// Proves how many threads libuv's pool has in the process that loads this module: six blocked FIFO opens hold six
// pool threads, then a stat must still complete - only with more than six threads. `tributary describe` on this
// module fails (exit 2) when the pool is the default 4. The FIFOs are released before returning.

import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, rmSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Serdes, StreamsBuilder, type Topology } from 'tributary';

const BLOCKED = 6;

export default async function threadpoolProbe(): Promise<Topology> {
  const dir = join(tmpdir(), `tributary-pool-probe-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const fifos = Array.from({ length: BLOCKED }, (_, i) => join(dir, `fifo-${i}`));
  for (const f of fifos) execFileSync('mkfifo', [f]);
  // Each open blocks a pool thread until a writer opens the FIFO.
  const readers = fifos.map((f) => open(f, 'r'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const answered = await Promise.race([
    stat(dir).then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 2_000)),
  ]);
  // Release the blocked threads: a FIFO opened read-write (which never blocks on Linux) is a writer for every
  // reader open, running or still queued for a pool thread; keep it open until all of them completed.
  const writers = fifos.map((f) => openSync(f, constants.O_RDWR));
  for (const handle of await Promise.all(readers)) await handle.close();
  for (const fd of writers) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  if (!answered) {
    throw new Error(
      `libuv's thread pool has at most ${BLOCKED} threads (UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 'unset'})`,
    );
  }
  const builder = new StreamsBuilder();
  builder.stream('pool-probe-in', { key: Serdes.string(), value: Serdes.string() }).to('pool-probe-out');
  return builder.build();
}

// Crash proof: a worker process runs a stateful topology (windowed aggregation with suppression, running counts,
// counts behind a repartition topic) under exactly_once_v2 while its input keeps arriving. It is killed with
// SIGKILL at random points (no shutdown, a transaction open, state uncommitted) and restarted on the same state
// directory, at least five times. The final committed output must equal the TopologyTestDriver's output for the
// same input exactly: no duplicate (a count repeated), no gap (a count or a window missing).
import { afterAll, describe, expect, it } from 'vitest';
import { random } from './support/differential.js';
import { PacedProducer } from './support/kafka-io.js';
import { aggregatesScenario, expectedOutputs, scenarioWorker, verifyOutputs } from './support/proof.js';
import { TempDirs } from './support/workloads.js';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

const KILLS = 6;
const RECORDS = 50_000;
const RATE = 2_000; // records/s: the input keeps arriving for ~25 s, across all kills

describe('crash: kill -9 of a worker at random points', () => {
  it(`the committed output after ${KILLS} kills and restarts equals the driver's exactly`, {
    timeout: 300_000,
  }, async () => {
    const t0 = Date.now();
    const scenario = await aggregatesScenario('crash', { count: RECORDS, keys: 200, groups: 11, seed: 42 });
    const expected = await expectedOutputs(scenario);

    const worker = scenarioWorker(scenario, dirs.create(), {
      // Checkpoints every 2000 changelog records: restarts restore a tail from a checkpoint, or everything.
      // Static membership (KIP-345), as a StatefulSet or systemd unit would run it: the restarted process takes
      // the killed one's place in the group at once instead of after the session timeout.
      streams: {
        checkpointAfterRecords: 2_000,
        consumer: { 'group.instance.id': `${scenario.applicationId}-worker-1` },
      },
    });
    const input = new PacedProducer(scenario.input, RATE);
    const rnd = random(7);
    const timeline: string[] = [];
    let producedAtLastKill = 0;
    try {
      worker.start();
      for (let kill = 1; kill <= KILLS; kill++) {
        await worker.waitFor('RUNNING', 90_000);
        timeline.push(`running at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        // A random point while the worker processes: 0.3 to 2 s after it is running again.
        await new Promise((resolve) => setTimeout(resolve, 300 + rnd() * 1_700));
        const at = input.produced;
        producedAtLastKill = at;
        const exit = await worker.kill('SIGKILL');
        expect(exit.signal).toBe('SIGKILL');
        timeline.push(`kill ${kill} at ${((Date.now() - t0) / 1000).toFixed(1)} s (input produced ${at})`);
        worker.start();
      }
      await input.done;
      expect(input.produced).toBe(scenario.input.length);
      // The input was still arriving at the last kill: each kill interrupted processing, not an idle worker.
      expect(producedAtLastKill, timeline.join('; ')).toBeLessThan(scenario.input.length);
      await worker.waitFor('RUNNING', 90_000);
      const { failures, records, waitedMs } = await verifyOutputs(scenario, expected, [worker]);
      const exit = await worker.stop();
      expect(exit, worker.tail()).toEqual({ code: 0, signal: null });
      expect(failures).toBe('');
      console.log(
        `[crash] ${timeline.join('; ')}; caught up ${waitedMs} ms after the input ended; ${records} output records; ${Date.now() - t0} ms`,
      );
    } finally {
      if (worker.running) await worker.kill();
    }
  });
});

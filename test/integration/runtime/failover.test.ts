// Failover proof: two worker processes share the work; one is killed with SIGKILL (no leave-group, a transaction
// open). Once its session times out the group rebalances and the survivor takes every task over, restoring the dead
// worker's state from the changelogs. The committed output must equal the TopologyTestDriver's exactly.
import { afterAll, describe, expect, it } from 'vitest';
import { PacedProducer } from './support/kafka-io.js';
import { aggregatesScenario, expectedOutputs, scenarioWorker, verifyOutputs } from './support/proof.js';
import { TempDirs } from './support/workloads.js';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SESSION_TIMEOUT_MS = 6_000; // the broker's minimum (group.min.session.timeout.ms)

describe('failover: a crashed worker', () => {
  it("its tasks move to the survivor after the session timeout; output equals the driver's", {
    timeout: 240_000,
  }, async () => {
    const t0 = Date.now();
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const scenario = await aggregatesScenario('failover', { count: 20_000, keys: 120, groups: 7, seed: 23 });
    const expected = await expectedOutputs(scenario);
    const streams = {
      consumer: { 'session.timeout.ms': SESSION_TIMEOUT_MS, 'heartbeat.interval.ms': 1_000 },
    };
    const [survivor, victim] = [0, 1].map(() => scenarioWorker(scenario, dirs.create(), { streams }));
    const timeline: string[] = [];
    const input = new PacedProducer(scenario.input, 2_000);
    try {
      survivor.start();
      await survivor.waitFor('RUNNING');
      const mark = survivor.states.length;
      victim.start();
      await victim.waitFor('RUNNING', 90_000);
      await survivor.waitFor('RUNNING', 90_000, mark + 1);
      expect(victim.assignments.at(-1)?.length ?? 0, victim.tail()).toBeGreaterThan(0);
      timeline.push(
        `2 workers at ${at()} (tasks ${survivor.assignments.at(-1)?.length}/${victim.assignments.at(-1)?.length})`,
      );
      await sleep(3_000);

      const mark2 = survivor.states.length;
      const killedAt = Date.now();
      await victim.kill();
      timeline.push(`victim killed at ${at()} (input produced ${input.produced})`);
      await survivor.waitFor('REBALANCING', 60_000, mark2);
      const movedAfterMs = Date.now() - killedAt;
      await survivor.waitFor('RUNNING', 90_000, mark2 + 1);
      timeline.push(
        `tasks moved ${movedAfterMs} ms after the kill (survivor: ${survivor.assignments.at(-1)?.length})`,
      );
      // Nothing moves before the group gives up on the dead member; then the survivor owns every task.
      expect(movedAfterMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - 1_000);
      expect(survivor.assignments.at(-1)?.length).toBe(6);

      await input.done;
      const { failures, records, waitedMs } = await verifyOutputs(scenario, expected, [survivor]);
      const exit = await survivor.stop();
      expect(exit, survivor.tail()).toEqual({ code: 0, signal: null });
      expect(failures).toBe('');
      console.log(
        `[failover] ${timeline.join('; ')}; caught up ${waitedMs} ms after the input; ${records} output records; ${Date.now() - t0} ms`,
      );
    } finally {
      for (const w of [survivor, victim]) if (w.running) await w.kill();
    }
  });
});

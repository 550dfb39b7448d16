// Scale proof: one worker process, then three (two join while input arrives: the tasks are split), then one again
// (the two stop with SIGTERM: they commit, checkpoint and leave, and the first takes their tasks back, restoring
// their state from the changelogs). The committed output must equal the TopologyTestDriver's exactly.
import { afterAll, describe, expect, it } from 'vitest';
import { PacedProducer } from './support/kafka-io.js';
import { aggregatesScenario, expectedOutputs, scenarioWorker, verifyOutputs } from './support/proof.js';
import { TempDirs } from './support/workloads.js';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scale: 1 -> 3 -> 1 workers during processing', () => {
  it('the committed output equals the driver output', { timeout: 240_000 }, async () => {
    const t0 = Date.now();
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const scenario = await aggregatesScenario('scale', { count: 40_000, keys: 150, groups: 9, seed: 11 });
    const expected = await expectedOutputs(scenario);
    const workers = [0, 1, 2].map(() => scenarioWorker(scenario, dirs.create()));
    const [first, second, third] = workers;
    const timeline: string[] = [];
    const input = new PacedProducer(scenario.input, 2_000);
    try {
      first.start();
      await first.waitFor('RUNNING');
      timeline.push(`1 worker at ${at()}`);
      await sleep(3_000);

      // 1 -> 3: the newcomers get tasks, and the first one gives some up.
      const mark = first.states.length;
      const producedAtScaleOut = input.produced;
      second.start();
      third.start();
      await Promise.all([second.waitFor('RUNNING', 90_000), third.waitFor('RUNNING', 90_000)]);
      await first.waitFor('RUNNING', 90_000, mark + 1);
      timeline.push(
        `3 workers at ${at()} (tasks ${workers.map((w) => w.assignments.at(-1)?.length ?? 0).join('/')})`,
      );
      for (const w of workers) expect(w.assignments.at(-1)?.length ?? 0, w.tail()).toBeGreaterThan(0);
      expect(first.assignments.at(-1)?.length).toBeLessThan(6);
      await sleep(4_000);

      // 3 -> 1: two stop cleanly; the first takes all tasks back.
      const mark2 = first.states.length;
      const [exit2, exit3] = await Promise.all([second.stop(), third.stop()]);
      expect(exit2, second.tail()).toEqual({ code: 0, signal: null });
      expect(exit3, third.tail()).toEqual({ code: 0, signal: null });
      await first.waitFor('RUNNING', 90_000, mark2 + 1);
      const producedAtScaleIn = input.produced;
      timeline.push(`1 worker at ${at()} (tasks ${first.assignments.at(-1)?.length})`);
      expect(first.assignments.at(-1)?.length).toBe(6);

      await input.done;
      // Both changes happened while input was still arriving.
      expect(producedAtScaleOut).toBeLessThan(scenario.input.length);
      expect(producedAtScaleIn).toBeLessThan(scenario.input.length);
      const { failures, records, waitedMs } = await verifyOutputs(scenario, expected, workers);
      const exit = await first.stop();
      expect(exit, first.tail()).toEqual({ code: 0, signal: null });
      expect(failures).toBe('');
      console.log(
        `[scale] ${timeline.join('; ')}; caught up ${waitedMs} ms after the input; ${records} output records; ${Date.now() - t0} ms`,
      );
    } finally {
      for (const w of workers) if (w.running) await w.kill();
    }
  });
});

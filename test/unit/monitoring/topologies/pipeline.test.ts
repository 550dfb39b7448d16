import { seriesKey } from 'tributary';
import { describe, expect, it } from 'vitest';
import { CLOSING_TIMES, PIPELINE_RULES, pipelineWorkload, runPipelineOnDriver } from './pipeline.js';
import { MINUTE, mockRegistry, NOON } from './support.js';

describe('the three topologies chained on the driver (generated workload)', () => {
  it('guards, rolls up and alerts consistently end to end', {
    timeout: 120_000,
  }, async () => {
    const { serdes, clients } = mockRegistry();
    const workload = pipelineWorkload();
    const results = await runPipelineOnDriver(workload, serdes, clients);

    // Guard: 120 admitted series (cpu 40, http 30, queue 50 of 60) with 120 samples and 2 closing samples each.
    const validSeries = new Set(results.valid.map((r) => r.key));
    expect(validSeries.size).toBe(120);
    expect(results.valid).toHaveLength(120 * 122);
    for (const r of results.valid) expect(r.key).toBe(seriesKey(r.value.name, r.value.labels));
    const reasons = new Map<string, number>();
    for (const r of results.rejected) reasons.set(r.value.reason, (reasons.get(r.value.reason) ?? 0) + 1);
    expect(Object.fromEntries(reasons)).toEqual({
      blacklisted_label: 30,
      too_many_labels: 30,
      undecodable: 30,
      cardinality_limit: 10 * 122,
    });
    // Nothing lost: every raw record came out valid or rejected.
    expect(results.valid.length + results.rejected.length).toBe(workload.length);
    const reminders = results.guardAlerts.map((r) => r.value);
    expect(
      reminders.every(
        (a) => a.rule === 'HighCardinality' && a.metric === 'queue_depth' && a.state === 'FIRING',
      ),
    ).toBe(true);
    for (let i = 1; i < reminders.length; i++) {
      expect(reminders[i].timestamp - reminders[i - 1].timestamp).toBeGreaterThanOrEqual(5 * MINUTE);
    }
    expect(reminders.length).toBeGreaterThanOrEqual(6);

    // Rollups: one per admitted series and closed window; the sample counts add up.
    expect(results.rollup1m).toHaveLength(120 * 31); // 30 minutes of data + the first closing minute
    expect(results.rollup5m).toHaveLength(120 * 6);
    expect(results.rollup1h).toHaveLength(120);
    const validBefore = (end: number) => results.valid.filter((r) => r.value.timestamp < end).length;
    const counted = (rollups: typeof results.rollup1m) => rollups.reduce((n, r) => n + r.value.count, 0);
    expect(counted(results.rollup1m)).toBe(validBefore(CLOSING_TIMES[1]));
    expect(counted(results.rollup5m)).toBe(validBefore(NOON + 30 * MINUTE));
    expect(counted(results.rollup1h)).toBe(validBefore(NOON + 30 * MINUTE));

    // Alerting: each api-gateway host fires when a 5-minute window lies in its hot period (pending from 12:10, for
    // 2m) and resolves when one normal minute enters the window; q-1 reaches 95 from 12:10 on.
    const alerts = results.alerts.map((r) => r.value);
    const cpu = alerts.filter((a) => a.rule === 'HighCPUUsage');
    expect(cpu.map((a) => [a.labels.host, a.state, (a.timestamp - NOON) / MINUTE]).sort()).toEqual(
      Array.from({ length: 8 }, (_, h) => [
        [`host-${h}`, 'FIRING', 12],
        [`host-${h}`, 'RESOLVED', 21],
      ])
        .flat()
        .sort(),
    );
    expect(cpu.every((a) => a.labels.service === 'api-gateway' && a.severity === 'warning')).toBe(true);
    const queue = alerts.filter((a) => a.rule === 'QueueBacklog');
    expect(queue.map((a) => [a.labels.queue, a.state, a.timestamp])).toEqual([
      ['q-1', 'FIRING', NOON + 11 * MINUTE],
      ['q-1', 'RESOLVED', CLOSING_TIMES[0] + MINUTE],
    ]);
    // /p0../p4 drop below 1 request a sample at 12:15: firing once the window holds little but that (by 12:20).
    const lowTraffic = alerts.filter(
      (a) =>
        a.rule === 'LowTraffic' &&
        a.state === 'FIRING' &&
        a.timestamp > NOON + 15 * MINUTE &&
        a.timestamp <= NOON + 20 * MINUTE,
    );
    expect(lowTraffic.map((a) => a.labels.path).sort()).toEqual(['/p0', '/p1', '/p2', '/p3', '/p4']);
    expect(new Set(alerts.map((a) => a.rule))).toEqual(new Set(PIPELINE_RULES.map((r) => r.name)));
    // Each alert's key is its fingerprint; each fingerprint alternates between FIRING and RESOLVED.
    const last = new Map<string, string>();
    for (const { key, value } of results.alerts) {
      expect(key).toBe(value.fingerprint);
      expect(value.state).not.toBe(last.get(key));
      last.set(key, value.state);
    }
  });
});

// The monitoring demo's pipeline end to end on the broker, shortened (30 s of load, 4 s alert windows, 10 s rollups):
// ingest -> guard -> rollups, alerting -> notifications as KafkaStreams applications. Every sample the ingest
// accepted comes out of the guard exactly once (valid or rejected); the CPU scenario fires and resolves both rules;
// notifications go out per severity with reminders deduplicated; nothing of the run is left behind.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { formatSummary, runMonitoringDemo } from '../../../scripts/monitoring-demo-pipeline.js';
import { bootstrapServers, kafkaClient } from '../../support/kafka.js';

describe('monitoring demo', () => {
  it('runs the pipeline end to end on the broker and cleans up after itself', {
    timeout: 90_000,
  }, async () => {
    const lines: string[] = [];
    const result = await runMonitoringDemo({
      bootstrapServers: bootstrapServers(),
      durationMs: 30_000,
      ruleWindowMs: 4_000,
      rollupWindowMs: 10_000,
      cardinalityAlertPeriodMs: 5_000,
      ingestPort: 0,
      log: (line) => lines.push(line),
    });
    const summary = formatSummary(result);
    const context = `${summary}\n${lines.join('\n')}`;
    expect(result.errors, context).toEqual([]);

    const { counts, ingest } = result;
    const rejected = Object.values(counts.rejected).reduce((a, b) => a + b, 0);
    expect(ingest.samplesAccepted, context).toBeGreaterThan(500);
    // Exactly once through the guard: every accepted sample is either valid or rejected, none twice, none lost.
    expect(counts.valid + rejected, context).toBe(ingest.samplesAccepted);
    expect(counts.rejected.cardinality_limit, context).toBeGreaterThan(0);
    expect(ingest.rejectedRequests[400], context).toBeGreaterThanOrEqual(2);
    expect(counts.rollups['1m'], context).toBeGreaterThan(0);

    for (const transition of [
      'HighCPUUsage FIRING',
      'HighCPUUsage RESOLVED',
      'CPUSaturated FIRING',
      'CPUSaturated RESOLVED',
    ]) {
      expect(counts.alertsByRule[transition] ?? 0, `${transition}\n${context}`).toBeGreaterThanOrEqual(1);
    }
    expect(counts.alertsByRule['HighCardinality FIRING'], context).toBeGreaterThanOrEqual(2);
    // Critical goes to all three channels, warnings to slack only; the HighCardinality reminders are deduplicated.
    expect(counts.notifications.pagerduty, context).toBe(counts.notifications.email);
    expect(counts.notifications.pagerduty, context).toBe(
      (counts.alertsByRule['CPUSaturated FIRING'] ?? 0) + (counts.alertsByRule['CPUSaturated RESOLVED'] ?? 0),
    );
    expect(result.deduplicated, context).toBeGreaterThanOrEqual(1);
    expect(counts.notifications.slack, context).toBe(
      Object.values(counts.alertsByRule).reduce((a, b) => a + b, 0) - result.deduplicated,
    );
    expect(
      lines.some((l) => l.includes('NOTIFY  pagerduty [FIRING:critical] CPUSaturated')),
      context,
    ).toBe(true);

    // Nothing left: the run's topics (inputs, outputs, changelogs, repartitions) and dedup keys are gone.
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((t) => t.startsWith(result.runId))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      expect(await redis.keys(`tributary-demo:${result.runId}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

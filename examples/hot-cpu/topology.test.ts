import { Serdes, TopologyTestDriver } from 'tributary';
import { expect, it } from 'vitest';
import hotCpu, { type Metric } from './topology.js';

it('counts the hot CPU samples per host and minute', async () => {
  const driver = new TopologyTestDriver(hotCpu());
  const metrics = driver.createInputTopic('metrics', Serdes.string(), Serdes.json<Metric>());
  const counts = driver.createOutputTopic(
    'hot-cpu-per-minute',
    Serdes.windowed(Serdes.string()),
    Serdes.long(),
  );

  await metrics.pipeInput('web-1', { name: 'cpu', value: 95 }, 0);
  await metrics.pipeInput('web-1', { name: 'cpu', value: 40 }, 10_000); // not hot
  await metrics.pipeInput('web-1', { name: 'mem', value: 99 }, 20_000); // not CPU
  await metrics.pipeInput('web-1', { name: 'cpu', value: 97 }, 30_000);
  await metrics.pipeInput('web-1', { name: 'cpu', value: 92 }, 61_000); // the next minute

  expect(counts.readKeyValuesToList()).toEqual([
    { key: { key: 'web-1', window: { start: 0, end: 60_000 } }, value: 1 },
    { key: { key: 'web-1', window: { start: 0, end: 60_000 } }, value: 2 },
    { key: { key: 'web-1', window: { start: 60_000, end: 120_000 } }, value: 1 },
  ]);
  await driver.close();
});

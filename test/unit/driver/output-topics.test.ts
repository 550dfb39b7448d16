// Reading an output topic: records come out once, in order, whether read one at a time or all at once, and records
// written after a read are kept for the next one (the driver keeps unread outputs as bytes in one log it reuses).
import { Serdes, StreamsBuilder, TopologyTestDriver } from 'tributary';
import { describe, expect, it } from 'vitest';

const S = Serdes.string();
const D = Serdes.double();

function copy() {
  const builder = new StreamsBuilder();
  builder.stream('in', { key: S, value: D }).to('out', { key: S, value: D });
  return new TopologyTestDriver(builder.build());
}

describe('output topics', () => {
  it('single reads, full reads and writes in between see every record once, in order', async () => {
    const driver = copy();
    const input = driver.createInputTopic('in', S, D);
    const output = driver.createOutputTopic('out', S, D);
    await input.pipeKeyValueList([1, 2, 3].map((v) => ({ key: 'k', value: v })));
    expect(output.queueSize).toBe(3);
    expect(output.readValue()).toBe(1);
    expect(output.readValuesToList()).toEqual([2, 3]);
    expect(output.isEmpty()).toBe(true);
    expect(output.readValuesToList()).toEqual([]);
    await input.pipeKeyValueList([4, 5].map((v) => ({ key: 'k', value: v })));
    const first = output.readValuesToList();
    await input.pipeInput('k', 6);
    expect(first).toEqual([4, 5]);
    expect(output.readKeyValue()).toEqual({ key: 'k', value: 6 });
    expect(() => output.readValue()).toThrow(/no more records in output topic 'out'/);
    await driver.close();
  });

  it('two readers of one topic share its records', async () => {
    const driver = copy();
    const input = driver.createInputTopic('in', S, D);
    const a = driver.createOutputTopic('out', S, D);
    const b = driver.createOutputTopic('out', S, D);
    await input.pipeKeyValueList([1, 2].map((v) => ({ key: 'k', value: v })));
    expect(a.readValue()).toBe(1);
    expect(b.readValuesToList()).toEqual([2]);
    expect(a.isEmpty()).toBe(true);
    await driver.close();
  });
});

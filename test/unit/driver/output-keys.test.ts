// Sinks write a string key the topology did not change with the bytes it was read from (StreamTask.inputKeyBytesFor);
// these tests pin down that output keys are still exactly what the string serde writes, whichever path they took.
import { Serdes, StreamsBuilder, TimeWindows, TopologyTestDriver } from 'tributary';
import { describe, expect, it } from 'vitest';

const S = Serdes.string();
const B = Serdes.bytes();
const D = Serdes.double();

function passThrough(selectKey?: (key: string) => string) {
  const builder = new StreamsBuilder();
  const stream = builder.stream('in', { key: S, value: D }).mapValues((v) => v + 1);
  (selectKey ? stream.selectKey((k) => selectKey(k)) : stream).to('out', { key: S, value: D });
  return builder.build();
}

/** Pipes raw key bytes (the topology reads them with the string serde) and returns the output keys' bytes. */
async function outputKeyBytes(driver: TopologyTestDriver, keys: Buffer[]): Promise<Buffer[]> {
  const input = driver.createInputTopic('in', B, D);
  for (const key of keys) await input.pipeInput(key, 1, 1);
  return driver
    .createOutputTopic('out', B, D)
    .readRecordsToList()
    .map((r) => r.key);
}

describe('output keys', () => {
  it('an unchanged ASCII key is written with the bytes it was read from', async () => {
    const driver = new TopologyTestDriver(passThrough());
    const keys = [Buffer.from('series-1'), Buffer.from(''), Buffer.from('a\u007fb')];
    expect(await outputKeyBytes(driver, keys)).toEqual(keys);
    await driver.close();
  });

  it('a key read from invalid UTF-8 is written as the string serde encodes the string it became', async () => {
    const driver = new TopologyTestDriver(passThrough());
    const invalid = Buffer.from([0xff, 0x41]);
    const [written] = await outputKeyBytes(driver, [invalid]);
    // Read as "\ufffdA"; reusing the input bytes would have written ff 41.
    expect(written).toEqual(Buffer.from('\ufffdA', 'utf8'));
    expect(written).toEqual(S.serialize('out', invalid.toString('utf8')));
    await driver.close();
  });

  it('a non-ASCII key is written as UTF-8', async () => {
    const driver = new TopologyTestDriver(passThrough());
    expect(await outputKeyBytes(driver, [Buffer.from('caf\u00e9 \u2603', 'utf8')])).toEqual([
      Buffer.from('caf\u00e9 \u2603', 'utf8'),
    ]);
    await driver.close();
  });

  it('a key the topology changed is serialized anew', async () => {
    const driver = new TopologyTestDriver(passThrough((k) => `${k}!`));
    expect(await outputKeyBytes(driver, [Buffer.from('k1'), Buffer.from('k2')])).toEqual([
      Buffer.from('k1!'),
      Buffer.from('k2!'),
    ]);
    await driver.close();
  });

  it('keys of a windowed aggregation written at flush are the keys of their own records', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: D })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(1000))
      .count({ name: 'counts', storeType: 'in-memory' })
      .toStream((windowed) => windowed.key)
      .to('out', { key: S, value: Serdes.long() });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, D);
    await input.pipeRecordList([
      { key: 'a', value: 1, timestamp: 1 },
      { key: 'b', value: 1, timestamp: 2 },
      { key: 'a', value: 1, timestamp: 3 },
    ]);
    expect(driver.createOutputTopic('out', S, Serdes.long()).readKeyValuesToList()).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 1 },
      { key: 'a', value: 2 },
    ]);
    await driver.close();
  });
});

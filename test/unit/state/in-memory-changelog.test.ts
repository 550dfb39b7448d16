import { describe, expect, it } from 'vitest';
import { InMemoryChangelog } from '../../../state/changelog/in-memory-changelog.js';

const tp = { topic: 't', partition: 0 };
const send = (c: InMemoryChangelog, key: string) =>
  c.send({ ...tp, key: Buffer.from(key), value: Buffer.from(key), timestamp: 0 });

describe('InMemoryChangelog', () => {
  it('shows committed records only, with offsets taken by markers, and reads make progress over the gaps', async () => {
    const c = new InMemoryChangelog({ transactional: true });
    send(c, 'a');
    send(c, 'b');
    c.commitTransaction(); // a=0 b=1 marker=2
    send(c, 'x');
    c.abortTransaction();
    send(c, 'c');
    c.commitTransaction(); // c=3 marker=4
    expect(await c.endOffset(tp)).toBe(5);
    expect(c.committed(tp).map((r) => `${r.key}@${r.offset}`)).toEqual(['a@0', 'b@1', 'c@3']);
    const first = await c.read(tp, 0, 2);
    expect(first.records.map((r) => r.offset)).toEqual([0, 1]);
    expect(first.nextOffset).toBe(2);
    const second = await c.read(tp, 2, 10);
    expect(second.records.map((r) => r.offset)).toEqual([3]);
    expect(second.nextOffset).toBe(5);
    expect(c.endOffsets(0)).toEqual(new Map([['t', 5]]));
  });

  it('moves the beginning offset when records are deleted', async () => {
    const c = new InMemoryChangelog();
    for (const k of ['a', 'b', 'c']) send(c, k);
    c.deleteRecordsBefore(tp, 2);
    expect(await c.beginningOffset(tp)).toBe(2);
    expect((await c.read(tp, 0, 10)).records.map((r) => r.offset)).toEqual([2]);
  });
});

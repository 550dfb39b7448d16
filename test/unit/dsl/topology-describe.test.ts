import { CopartitioningError, Serdes, StreamsBuilder, TopologyBuildError } from 'tributary';
import { describe, expect, it } from 'vitest';
import { resolvePartitions } from '../../../operators/graph/partition-resolver.js';

const S = Serdes.string();
const L = Serdes.long();

function wordCount(extra?: (b: StreamsBuilder) => void) {
  const builder = new StreamsBuilder();
  extra?.(builder);
  builder
    .stream('lines', { key: S, value: S })
    .flatMapValues((v) => v.split(' '))
    .groupBy((_k, w) => w, { key: S, value: S })
    .count()
    .toStream()
    .to('counts', { key: S, value: L });
  return builder.build();
}

describe('topology description', () => {
  it('splits sub-topologies at repartition topics and lists internal topics', () => {
    const d = wordCount().describe();
    expect(d.subtopologies).toHaveLength(2);
    const [first, second] = d.subtopologies;
    expect(first.nodes.find((n) => n.type === 'source')?.topics).toEqual(['lines']);
    expect(first.nodes.find((n) => n.type === 'sink')?.topic).toMatch(/-repartition$/);
    expect(second.nodes.find((n) => n.type === 'source')?.topics?.[0]).toMatch(/-repartition$/);
    expect(second.nodes.find((n) => n.type === 'sink')?.topic).toBe('counts');
    const count = second.nodes.find((n) => n.type === 'processor' && (n.stores ?? []).length > 0);
    expect(count?.stores).toEqual(['lines-count-store']);
    expect(d.internalTopics).toEqual([
      expect.objectContaining({
        name: 'lines-count-store-repartition',
        type: 'repartition',
        config: expect.objectContaining({ 'cleanup.policy': 'delete' }),
      }),
      expect.objectContaining({
        name: 'lines-count-store-changelog',
        type: 'changelog',
        config: expect.objectContaining({ 'cleanup.policy': 'compact' }),
      }),
    ]);
    expect(d.stores).toEqual([
      expect.objectContaining({ name: 'lines-count-store', subtopology: 1, logging: true }),
    ]);
  });

  it('renders Kafka Streams-style text and a Mermaid flowchart', () => {
    const d = wordCount().describe();
    const text = d.toString();
    expect(text).toContain(
      'Topologies:\n   Sub-topology: 0\n    Source: lines-source (topics: [lines])\n      --> lines-flatMapValues\n',
    );
    expect(text).toContain('    Sink: lines-to-counts (topic: counts)\n      <-- lines-toStream\n');
    expect(text).toContain('Internal topics:\n   lines-count-store-repartition (repartition');
    const mermaid = d.toMermaid();
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid).toMatch(/subgraph sub\d+\["Sub-topology 0"\]/);
    expect(mermaid).toContain('[/"lines"/]');
    expect(mermaid).toContain('[("lines-count-store")]');
    expect(JSON.parse(JSON.stringify(d)).subtopologies).toHaveLength(2);
  });

  it('keeps store and internal-topic names when an operator is added elsewhere', () => {
    const names = (t: ReturnType<typeof wordCount>) => ({
      stores: t.describe().stores.map((s) => s.name),
      topics: t.describe().internalTopics.map((t) => t.name),
    });
    const before = names(wordCount());
    const after = names(
      wordCount((b) => {
        // an unrelated stateful branch declared first: Kafka Streams' counters would shift every later name
        b.stream('other', { key: S, value: S })
          .groupByKey()
          .count()
          .toStream()
          .to('other-counts', { key: S, value: L });
      }),
    );
    expect(after.stores).toEqual(expect.arrayContaining(before.stores));
    expect(after.topics).toEqual(expect.arrayContaining(before.topics));
  });

  it('keeps names when a stateless operator is inserted upstream of a stateful one', () => {
    const build = (insert: boolean) => {
      const b = new StreamsBuilder();
      let s = b.stream('events', { key: S, value: S });
      if (insert) s = s.filter((_k, v) => v !== '');
      s.groupByKey().count().toStream().to('out', { key: S, value: L });
      return b
        .build()
        .describe()
        .stores.map((x) => x.name);
    };
    expect(build(true)).toEqual(build(false));
  });

  it('reports bad topologies with clear errors', () => {
    const b = new StreamsBuilder();
    b.stream('t', { key: S, value: S });
    expect(() => b.stream('t', { key: S, value: S })).toThrow(TopologyBuildError);
    const b2 = new StreamsBuilder();
    b2.stream('t', { key: S, value: S })
      .filter(() => true, { name: 'f' })
      .to('o', { key: S, value: S });
    expect(() => b2.stream('u', { key: S, value: S }).filter(() => true, { name: 'f' })).toThrow(
      /used twice/,
    );
    const b3 = new StreamsBuilder();
    expect(() =>
      b3
        .stream('t', { key: S, value: S })
        .mapValues((v) => v.length)
        .to('o', { key: S }),
    ).toThrow(/to\('o'\) needs a serde.*value/);
    const b4 = new StreamsBuilder();
    expect(() => b4.stream('bad topic!', { key: S, value: S })).toThrow(/not a legal topic name/);
  });

  it('derives partition counts of internal topics and enforces co-partitioning', () => {
    const topology = wordCount();
    const plan = resolvePartitions(topology, (t) => (t === 'lines' ? 6 : undefined));
    expect(plan.topics.get('lines-count-store-repartition')).toBe(6);
    expect(plan.topics.get('lines-count-store-changelog')).toBe(6);
    expect([...plan.tasks.values()]).toEqual([6, 6]);
    expect(() => resolvePartitions(topology, () => undefined)).toThrow(/source topic 'lines' does not exist/);
    expect(CopartitioningError).toBeDefined();
  });

  it('honours an explicit repartition partition count', () => {
    const b = new StreamsBuilder();
    b.stream('in', { key: S, value: S })
      .selectKey((_k, v) => v)
      .repartition({ name: 'by-value', numberOfPartitions: 3, key: S })
      .to('out');
    const plan = resolvePartitions(b.build(), () => 8);
    expect(plan.topics.get('by-value-repartition')).toBe(3);
    expect(plan.tasks.get(1)).toBe(3);
  });
});

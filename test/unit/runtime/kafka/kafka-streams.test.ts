// KafkaStreams without a broker: the config is validated at construction, and the lifecycle rules hold before
// anything connects.
import { KafkaStreams, type KafkaStreamsState, Serdes, StreamsBuilder, StreamsConfigError } from 'tributary';
import { describe, expect, it } from 'vitest';

function topology() {
  const builder = new StreamsBuilder();
  builder.stream('in', { key: Serdes.string(), value: Serdes.string() }).to('out');
  return builder.build();
}

describe('KafkaStreams lifecycle', () => {
  it('rejects a bad config when constructed', () => {
    expect(() => new KafkaStreams(topology(), { applicationId: 'a b', bootstrapServers: 'x:1' })).toThrow(
      StreamsConfigError,
    );
  });

  it('closing before start goes CREATED -> PENDING_SHUTDOWN -> NOT_RUNNING; start is then refused', async () => {
    const streams = new KafkaStreams(topology(), { applicationId: 'never-started', bootstrapServers: 'x:1' });
    const seen: Array<[KafkaStreamsState, KafkaStreamsState]> = [];
    streams.setStateListener((now, before) => seen.push([before, now]));
    expect(streams.state()).toBe('CREATED');
    expect(await streams.close()).toBe(true);
    expect(seen).toEqual([
      ['CREATED', 'PENDING_SHUTDOWN'],
      ['PENDING_SHUTDOWN', 'NOT_RUNNING'],
    ]);
    await expect(streams.start()).rejects.toThrow(
      'start() is only allowed in state CREATED; the state is NOT_RUNNING',
    );
    expect(await streams.close()).toBe(true);
    expect(streams.metadataForLocalThreads()).toEqual([]);
  });
});

// Deduplication of notifications in Redis: one key per alert fingerprint holding the state last notified and the
// input record that claimed it, expiring after the dedup window.
//
// Why the claimant: processing runs inside a Kafka transaction that may abort, and Redis is not part of it. Marking
// "FIRING was sent" while processing, then aborting, would make the replay of the same alert find the mark and skip
// it: the notification, whose record was discarded with the transaction, would be lost. So a claim names the input
// record (topic, partition, offset) that made it, and a replay of that same record is recognised as such and delivers
// again; any other record with the same fingerprint and state within the window is a duplicate. The decision for a
// record is therefore the same however often it is processed, and nothing committed depends on an aborted attempt.
import type { Redis, RedisOptions } from 'ioredis';
import type { AlertState } from '../../../index.js';

export interface NotificationDedupConfig {
  /** A repeat of the same state of an alert within this window is not notified again (default 5 minutes). */
  readonly ttlMs?: number;
  /** Prefix of the Redis keys, one per alert fingerprint (default `tributary:notifications:`). */
  readonly keyPrefix?: string;
  /** Where Redis is: ioredis options or a `redis://` URL (default 127.0.0.1:6379). */
  readonly redis?: RedisOptions | string;
}

export const DEFAULT_NOTIFICATION_DEDUP = {
  ttlMs: 300_000,
  keyPrefix: 'tributary:notifications:',
  redis: { host: '127.0.0.1', port: 6379 },
} as const;

/**
 * `new`: first notification of this state within the window; `replay`: the record that claimed it is processed
 * again (an aborted transaction): deliver again; `duplicate`: already notified within the window, skip;
 * `unavailable`: Redis did not answer: deliver (a duplicate is better than a lost page).
 */
export type ClaimOutcome = 'new' | 'replay' | 'duplicate' | 'unavailable';

// KEYS[1] fingerprint key; ARGV: state, claimant, ttl ms. The value is "<state> <claimant>".
const CLAIM = `
local current = redis.call('GET', KEYS[1])
if current then
  local space = string.find(current, ' ', 1, true)
  if space and string.sub(current, 1, space - 1) == ARGV[1] then
    if string.sub(current, space + 1) == ARGV[2] then return 'replay' end
    return 'duplicate'
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2], 'PX', ARGV[3])
return 'new'`;

// KEYS[1] fingerprint key; ARGV[1] the value a claim wrote. Deletes it only if nobody claimed the key since.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** One Redis connection (per task: opened in the processor's init, closed with it). */
export class RedisNotificationDedup {
  private constructor(
    private readonly client: Redis,
    private readonly ttlMs: number,
    private readonly keyPrefix: string,
  ) {}

  static async open(config: NotificationDedupConfig = {}): Promise<RedisNotificationDedup> {
    const { Redis } = await import('ioredis');
    const target = config.redis ?? DEFAULT_NOTIFICATION_DEDUP.redis;
    // Bounded waits: an alert must not hang on a Redis that is down; the claim then reports 'unavailable'.
    const options: RedisOptions = {
      maxRetriesPerRequest: 1,
      commandTimeout: 2_000,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    };
    const client =
      typeof target === 'string' ? new Redis(target, options) : new Redis({ ...options, ...target });
    client.on('error', () => undefined); // reported per command (claim -> 'unavailable'); ioredis would log each
    return new RedisNotificationDedup(
      client,
      config.ttlMs ?? DEFAULT_NOTIFICATION_DEDUP.ttlMs,
      config.keyPrefix ?? DEFAULT_NOTIFICATION_DEDUP.keyPrefix,
    );
  }

  /** Claims the notification of `state` for the input record `claimant` (`topic-partition@offset`). */
  async claim(fingerprint: string, state: AlertState, claimant: string): Promise<ClaimOutcome> {
    try {
      const outcome = await this.client.eval(
        CLAIM,
        1,
        this.keyPrefix + fingerprint,
        state,
        claimant,
        this.ttlMs,
      );
      return outcome as ClaimOutcome;
    } catch {
      return 'unavailable';
    }
  }

  /** Gives a claim back after its delivery failed, unless another record claimed the fingerprint since. */
  async release(fingerprint: string, state: AlertState, claimant: string): Promise<void> {
    try {
      await this.client.eval(RELEASE, 1, this.keyPrefix + fingerprint, `${state} ${claimant}`);
    } catch {
      // Redis is gone: the claim expires with its TTL.
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}

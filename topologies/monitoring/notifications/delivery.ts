// How notifications reach their channels. The topology decides what to send (routing, dedup); a delivery sends it.
import type { Notification } from '../../../index.js';

/**
 * Writes a Notification record to the notifications topic, inside the transaction of the alert being processed:
 * it becomes visible exactly once, when that transaction commits.
 */
export type PublishNotification = (notification: Notification) => Promise<void>;

/** Sends the notifications of one alert state change (one per routed channel). */
export interface NotificationDelivery {
  /** Shown in errors and in the topology's processor description. */
  readonly name: string;
  /**
   * The channels this delivery can reach; when set, the topology refuses routes naming any other channel.
   * Undefined: any channel.
   */
  readonly channels?: readonly string[];
  /**
   * Delivers `notifications` (all of the same alert). Throwing fails the alert record: the topology gives its dedup
   * claim back and the error goes to the application's processing exception handler (fail: the record is processed
   * again after a restart; dead-letter queue: the alert is kept there for a replay).
   */
  deliver(notifications: readonly Notification[], publish: PublishNotification): Promise<void>;
}

/**
 * The default delivery: each notification becomes a record of the notifications topic, which channel senders (a
 * Slack bot, a PagerDuty integration, a mailer) consume. Exactly once: the records commit with the alert's offset.
 */
export function topicDelivery(): NotificationDelivery {
  return {
    name: 'topic',
    async deliver(notifications, publish) {
      for (const notification of notifications) await publish(notification);
    },
  };
}

/** A notification a channel did not accept, after retries. */
export class NotificationDeliveryError extends Error {
  constructor(
    message: string,
    readonly channel: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NotificationDeliveryError';
  }
}

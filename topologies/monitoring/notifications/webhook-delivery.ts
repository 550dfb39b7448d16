// Delivery by HTTP webhook: each notification is POSTed as JSON to its channel's URL, with retries.
import type { Notification } from '../../../index.js';
import { type NotificationDelivery, NotificationDeliveryError } from './delivery.js';

export interface WebhookDeliveryOptions {
  /** Channel name -> URL the channel's notifications are POSTed to. */
  readonly urls: Readonly<Record<string, string>>;
  /** Retries after a network error, a timeout, 429 or 5xx, with exponential backoff (default 3). */
  readonly retries?: number;
  /** Wait before the first retry; doubles for each next one (default 200 ms). */
  readonly backoffMs?: number;
  /** Longest wait for one response (default 5 s). */
  readonly timeoutMs?: number;
  /** Extra request headers (e.g. authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Also write each delivered notification to the notifications topic, the log of what was sent (default true). */
  readonly publish?: boolean;
}

/**
 * POSTs each notification (the Notification record as JSON) to its channel's URL; the channels of one alert in
 * parallel. A request is retried on network errors, timeouts, 429 and 5xx; any other status fails at once. The
 * `Idempotency-Key` header carries the notification id, the same for every attempt and for a replay of the alert
 * (after an aborted transaction, or a failure on another channel): HTTP is outside the Kafka transaction, so a
 * webhook is delivered at least once and receivers drop repeats by that key.
 */
export function webhookDelivery(options: WebhookDeliveryOptions): NotificationDelivery {
  const urls = { ...options.urls };
  for (const [channel, url] of Object.entries(urls)) {
    try {
      new URL(url);
    } catch {
      throw new RangeError(
        `webhookDelivery: the URL of channel '${channel}' is not a URL: ${JSON.stringify(url)}`,
      );
    }
  }
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const publishDelivered = options.publish ?? true;

  const post = async (notification: Notification): Promise<void> => {
    const url = urls[notification.channel];
    const body = JSON.stringify(notification);
    let failure = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': notification.id,
            ...options.headers,
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer(); // drain: frees the connection for keep-alive
        if (response.ok) return;
        failure = `HTTP ${response.status} ${response.statusText}`.trim();
        if (response.status !== 429 && response.status < 500) break; // the receiver refuses it: retrying won't help
      } catch (error) {
        failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
    throw new NotificationDeliveryError(
      `webhook of channel '${notification.channel}' (${url}) failed for notification ${notification.id}: ${failure}`,
      notification.channel,
    );
  };

  return {
    name: 'webhook',
    channels: Object.keys(urls),
    async deliver(notifications, publish) {
      const results = await Promise.allSettled(notifications.map(post));
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      if (failed.length === 1) throw failed[0];
      if (failed.length > 1) {
        throw new NotificationDeliveryError(
          failed.map((e) => (e instanceof Error ? e.message : String(e))).join('; '),
          failed.map((e) => (e as NotificationDeliveryError).channel).join(','),
        );
      }
      if (publishDelivered) for (const notification of notifications) await publish(notification);
    },
  };
}

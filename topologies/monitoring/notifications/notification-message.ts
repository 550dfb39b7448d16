// The Notification record of an alert on a channel: a stable id and the text people read.
import { type Alert, type Notification, seriesKey } from '../../../index.js';

const COMPARISON_SYMBOLS = { gt: '>', ge: '>=', lt: '<', le: '<=', eq: '==', ne: '!=' } as const;

/**
 * The same alert state change always yields the same id (no clock, no counter): a replay after an aborted
 * transaction or a webhook retry carries the id of the first attempt.
 */
export function notificationId(alert: Alert, channel: string): string {
  return `${alert.fingerprint}:${alert.state}:${alert.timestamp}:${channel}`;
}

export function notificationOf(alert: Alert, channel: string): Notification {
  return {
    id: notificationId(alert, channel),
    channel,
    title: `[${alert.state}:${alert.severity}] ${alert.rule}`,
    text: describeAlert(alert),
    alert,
  };
}

/**
 * `cpu_usage{host="gw-1"}: avg 86.20 > 80 since 2026-11-28T12:00:05.000Z`; RESOLVED says the condition no longer
 * holds, NODATA since when the series is silent; the reason follows when the alert has one.
 */
export function describeAlert(alert: Alert): string {
  const series = seriesKey(alert.metric, alert.labels);
  const condition = `${COMPARISON_SYMBOLS[alert.comparison]} ${round(alert.threshold)}`;
  const value = alert.value === null ? 'no data' : `${alert.aggregation} ${round(alert.value)}`;
  const since = new Date(alert.activeAt).toISOString();
  const reason = alert.reason === null ? '' : ` (${alert.reason})`;
  switch (alert.state) {
    case 'FIRING':
      return `${series}: ${value} ${condition} since ${since}${reason}`;
    case 'NODATA':
      return `${series}: no data since ${since}${reason}`;
    case 'RESOLVED':
      return `${series}: ${value}, no longer ${condition} (active since ${since})${reason}`;
  }
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

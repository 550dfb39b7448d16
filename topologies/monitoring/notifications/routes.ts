// Which channels an alert goes to: Alertmanager-style routes matched on severity, rule, state and labels.
import type { Alert, AlertState, Severity } from '../../../index.js';

/** A routing rule: an alert matching every given condition goes to `channels`. Unset conditions match anything. */
export interface NotificationRoute {
  readonly severity?: Severity | readonly Severity[];
  /** Rule names (`HighCPUUsage`, `HighCardinality`). */
  readonly rule?: string | readonly string[];
  readonly state?: AlertState | readonly AlertState[];
  /** Label values the alert must carry (series labels and the rule's extra labels). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Channel names, e.g. `slack`, `pagerduty`, `email`. */
  readonly channels: readonly string[];
}

/** The design document's routing: warning -> Slack; critical -> Slack + PagerDuty + email; info goes nowhere. */
export const DEFAULT_NOTIFICATION_ROUTES: readonly NotificationRoute[] = [
  { severity: 'warning', channels: ['slack'] },
  { severity: 'critical', channels: ['slack', 'pagerduty', 'email'] },
];

const CHANNEL_NAME = /^[a-zA-Z0-9_.-]+$/;

/** Checks routes up front, so that a typo is reported when the topology is built, not when an alert arrives. */
export function checkRoutes(owner: string, routes: readonly NotificationRoute[]): void {
  routes.forEach((route, i) => {
    if (!Array.isArray(route.channels) || route.channels.length === 0) {
      throw new RangeError(`${owner}: routes[${i}] has no channels`);
    }
    for (const channel of route.channels) {
      if (typeof channel !== 'string' || !CHANNEL_NAME.test(channel)) {
        throw new RangeError(
          `${owner}: routes[${i}] has an invalid channel name ${JSON.stringify(channel)} (letters, digits, _ . -)`,
        );
      }
    }
  });
}

/** Every channel of every route the alert matches, each once, in the order the routes name them. */
export function channelsFor(alert: Alert, routes: readonly NotificationRoute[]): string[] {
  const channels: string[] = [];
  for (const route of routes) {
    if (!matches(alert, route)) continue;
    for (const channel of route.channels) if (!channels.includes(channel)) channels.push(channel);
  }
  return channels;
}

function matches(alert: Alert, route: NotificationRoute): boolean {
  if (!oneOf(alert.severity, route.severity)) return false;
  if (!oneOf(alert.rule, route.rule)) return false;
  if (!oneOf(alert.state, route.state)) return false;
  if (route.labels !== undefined) {
    for (const [name, value] of Object.entries(route.labels)) {
      if ((alert.ruleLabels[name] ?? alert.labels[name]) !== value) return false;
    }
  }
  return true;
}

function oneOf<T extends string>(value: T, wanted: T | readonly T[] | undefined): boolean {
  if (wanted === undefined) return true;
  return typeof wanted === 'string' ? value === wanted : wanted.includes(value);
}

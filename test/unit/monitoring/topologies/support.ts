// Shared set-up of the monitoring topology tests: a mock schema registry, serdes as a collector would hold them, and
// small builders for samples.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockClient } from '@confluentinc/schemaregistry';
import {
  type Metric,
  type MonitoringSerdes,
  monitoringSerdes,
  type Serde,
  type TopologyTestDriver,
} from 'tributary';

export const NOON = Date.UTC(2026, 10, 28, 12, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export interface Registry {
  /** Serdes given to the topology. */
  readonly serdes: MonitoringSerdes;
  /** Independent serdes of the same registry, as producers and consumers outside the application hold them. */
  readonly clients: MonitoringSerdes;
  readonly client: MockClient;
}

export function mockRegistry(): Registry {
  const client = new MockClient({ baseURLs: ['mock://'] });
  return { client, serdes: monitoringSerdes(client), clients: monitoringSerdes(client) };
}

/**
 * Prepares a serde for a topic the test writes or reads (the driver prepares only the topology's own serdes): writing
 * needs the schema id, reading needs the writer schemas known.
 */
export async function preparedFor<T>(serde: Serde<T>, topic: string): Promise<Serde<T>> {
  await serde.prepare?.({ topic, isKey: false });
  return serde;
}

export function sample(
  name: string,
  labels: Record<string, string>,
  value: number,
  timestamp: number,
): Metric {
  return { name, labels, value, timestamp };
}

/** The drivers a test file opened: closed after each test, and before a state directory is removed. */
export class OpenDrivers {
  private readonly drivers: TopologyTestDriver[] = [];

  add(driver: TopologyTestDriver): TopologyTestDriver {
    this.drivers.push(driver);
    return driver;
  }

  readonly closeAll = async (): Promise<void> => {
    for (const driver of this.drivers.splice(0)) await driver.close();
  };
}

/** Runs `body` with a temporary state directory that outlives drivers (restart tests), then removes it. */
export async function withStateDirectory(
  drivers: OpenDrivers,
  body: (path: string) => Promise<void>,
): Promise<void> {
  const path = mkdtempSync(join(tmpdir(), 'tributary-monitoring-'));
  try {
    await body(path);
  } finally {
    await drivers.closeAll();
    rmSync(path, { recursive: true, force: true });
  }
}

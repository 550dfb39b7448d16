// Gives the integration project a broker: KAFKA_BOOTSTRAP_SERVERS when set, else the local single broker
// (started here when it is not running, and stopped again afterwards unless TRIBUTARY_KEEP_BROKER=1).
//
// Workers get the address two ways: process.env (vitest copies the main process's environment into each worker
// after global setups ran) and provide/inject, which test/integration/foundation/environment.test.ts uses to
// prove that the first way keeps working.
import type { TestProject } from 'vitest/node';
import * as launcher from '../../docker/kafka-local/launcher.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The brokers integration tests talk to. */
    kafkaBootstrapServers: string;
    /** `external`: the user's KAFKA_BOOTSTRAP_SERVERS; `local`: this checkout's launcher (docker/kafka-local). */
    kafkaBrokerSource: 'external' | 'local';
  }
}

let startedHere = false;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (external) {
    project.provide('kafkaBootstrapServers', external);
    project.provide('kafkaBrokerSource', 'external');
    return;
  }
  const before = await launcher.status();
  if (!before.single) {
    const t0 = Date.now();
    await launcher.up('single');
    startedHere = true;
    console.log(`[kafka] local broker ${launcher.SINGLE_BOOTSTRAP} ready in ${Date.now() - t0} ms`);
  }
  process.env.KAFKA_BOOTSTRAP_SERVERS = launcher.SINGLE_BOOTSTRAP;
  project.provide('kafkaBootstrapServers', launcher.SINGLE_BOOTSTRAP);
  project.provide('kafkaBrokerSource', 'local');
}

export async function teardown(): Promise<void> {
  if (startedHere && process.env.TRIBUTARY_KEEP_BROKER !== '1') await launcher.stop('single');
}

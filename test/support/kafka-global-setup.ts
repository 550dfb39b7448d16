// Gives the integration project a broker: KAFKA_BOOTSTRAP_SERVERS when set, else the local single broker
// (started here when it is not running, and stopped again afterwards unless TRIBUTARY_KEEP_BROKER=1).
import * as launcher from '../../docker/kafka-local/launcher.js';

let startedHere = false;

export async function setup(): Promise<void> {
  if (process.env.KAFKA_BOOTSTRAP_SERVERS) return;
  const before = await launcher.status();
  if (!before.single) {
    await launcher.up('single');
    startedHere = true;
  }
  process.env.KAFKA_BOOTSTRAP_SERVERS = launcher.SINGLE_BOOTSTRAP;
}

export async function teardown(): Promise<void> {
  if (startedHere && process.env.TRIBUTARY_KEEP_BROKER !== '1') await launcher.stop('single');
}

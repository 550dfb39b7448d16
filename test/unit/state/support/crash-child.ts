// Child process of the crash tests: runs `commits` full transactions, then the last one only up to the crash point,
// says READY on stdout and waits to be killed with SIGKILL. `loop` commits until killed.

import { commitCycle, openTask, runTransaction } from './crash-workload.js';
import { FileChangelog } from './file-changelog.js';

const [taskDir, changelogPath, commitsArg, crashPoint] = process.argv.slice(2);
const changelog = new FileChangelog(changelogPath);
const task = openTask(taskDir, changelog);
await task.m.initialize();
await task.m.restore(changelog);
const commits = Number(commitsArg);

function ready(): Promise<never> {
  process.stdout.write('READY\n');
  return new Promise(() => setInterval(() => {}, 1000));
}

let i = 1;
for (; i <= commits; i++) {
  await runTransaction(task, i);
  await commitCycle(task, changelog);
}

switch (crashPoint) {
  case 'written-not-committed':
    // The transaction's writes are in the stores' caches and buffers and its changelog records are sent, but the
    // Kafka transaction never commits.
    await runTransaction(task, i);
    await task.m.flush();
    await ready();
    break;
  case 'committed-not-applied':
    await runTransaction(task, i);
    await task.m.flush();
    changelog.commitTransaction();
    await ready();
    break;
  case 'applied-not-checkpointed':
    await runTransaction(task, i);
    await task.m.flush();
    changelog.commitTransaction();
    for (const store of task.m.stores.values()) {
      await store.commit();
      await store.persistLocalState?.(); // the write has landed (commit only queues it on RocksDB)
    }
    await ready();
    break;
  case 'loop':
    process.stdout.write('READY\n');
    for (; ; i++) {
      await runTransaction(task, i);
      await commitCycle(task, changelog);
    }
  default:
    throw new Error(`unknown crash point ${crashPoint}`);
}

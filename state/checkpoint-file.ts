import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The task's checkpoint file, `<taskDir>/.checkpoint`: for each persistent store, the changelog position its local
 * state reflects (every changelog record below `offset` is applied, none at or above it is) and the identity of that
 * local state (`storeId`, kept inside the store, so a checkpoint never vouches for a directory that was replaced).
 *
 * Format (version 1), JSON: `{ "format": "tributary-checkpoint", "version": 1, "stores": { "<name>":
 * { "topic", "partition", "offset", "storeId" } }, "sha256": "<hex of the canonical stores JSON>" }`. It is written
 * to a temporary file, fsynced and renamed over the old one, so a reader sees the old or the new file, never a torn
 * one; the checksum catches what rename cannot (a damaged disk, a hand edit).
 */
export const CHECKPOINT_FILE = '.checkpoint';
export const CHECKPOINT_VERSION = 1;
const FORMAT = 'tributary-checkpoint';

export interface CheckpointEntry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly storeId: string;
}

export type CheckpointRead =
  | { readonly status: 'ok'; readonly stores: ReadonlyMap<string, CheckpointEntry> }
  | { readonly status: 'missing' }
  | { readonly status: 'corrupt'; readonly reason: string };

export async function readCheckpoint(taskDir: string): Promise<CheckpointRead> {
  let text: string;
  try {
    text = await readFile(join(taskDir, CHECKPOINT_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'corrupt', reason: `unreadable: ${(e as Error).message}` };
  }
  return parseCheckpoint(text);
}

export function parseCheckpoint(text: string): CheckpointRead {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { status: 'corrupt', reason: 'not JSON' };
  }
  const d = doc as { format?: unknown; version?: unknown; stores?: unknown; sha256?: unknown };
  if (d === null || typeof d !== 'object' || d.format !== FORMAT)
    return { status: 'corrupt', reason: 'not a checkpoint' };
  if (d.version !== CHECKPOINT_VERSION)
    return { status: 'corrupt', reason: `unknown version ${String(d.version)}` };
  if (d.stores === null || typeof d.stores !== 'object') return { status: 'corrupt', reason: 'no stores' };
  if (d.sha256 !== checksum(d.stores as Record<string, unknown>))
    return { status: 'corrupt', reason: 'checksum mismatch' };
  const stores = new Map<string, CheckpointEntry>();
  for (const [name, value] of Object.entries(d.stores as Record<string, unknown>)) {
    const e = value as Partial<CheckpointEntry> | null;
    if (
      e === null ||
      typeof e !== 'object' ||
      typeof e.topic !== 'string' ||
      !Number.isSafeInteger(e.partition) ||
      !Number.isSafeInteger(e.offset) ||
      (e.offset as number) < 0 ||
      typeof e.storeId !== 'string'
    ) {
      return { status: 'corrupt', reason: `bad entry for store ${name}` };
    }
    stores.set(name, { topic: e.topic, partition: e.partition!, offset: e.offset!, storeId: e.storeId });
  }
  return { status: 'ok', stores };
}

export function formatCheckpoint(stores: ReadonlyMap<string, CheckpointEntry>): string {
  const sorted: Record<string, CheckpointEntry> = {};
  for (const name of [...stores.keys()].sort()) {
    const e = stores.get(name)!;
    sorted[name] = { topic: e.topic, partition: e.partition, offset: e.offset, storeId: e.storeId };
  }
  return `${JSON.stringify({ format: FORMAT, version: CHECKPOINT_VERSION, stores: sorted, sha256: checksum(sorted) })}\n`;
}

/** Replaces the checkpoint atomically (temporary file, fsync, rename, fsync of the directory). */
export async function writeCheckpoint(
  taskDir: string,
  stores: ReadonlyMap<string, CheckpointEntry>,
): Promise<void> {
  await mkdir(taskDir, { recursive: true });
  const path = join(taskDir, CHECKPOINT_FILE);
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(formatCheckpoint(stores), 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  await syncDirectory(taskDir);
}

export async function deleteCheckpoint(taskDir: string): Promise<void> {
  await rm(join(taskDir, CHECKPOINT_FILE), { force: true });
}

function checksum(stores: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(stores)).digest('hex');
}

async function syncDirectory(dir: string): Promise<void> {
  // The rename is durable only once the directory entry is; not every platform lets a directory be fsynced.
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort (e.g. Windows)
  } finally {
    await handle?.close();
  }
}

// HTTP interactive queries over this worker's local stores:
//   GET /stores                                  the topology's stores and the tasks holding them here
//   GET /stores/:store/keys/:key                 key-value: { key, value, timestamp? }
//                                                window:    ?from=&to= (window starts, default all) -> windows
//                                                session:   the key's sessions
//   GET /stores/:store/entries?from=&to=&limit=  key-value: keys in [from, to]; window: windows starting in [from, to]
// Keys in the path are parsed for the store's key serde: strings as they are, numbers for long/int/double, JSON for
// json (and for other serdes, where it is the only choice), `?keyEncoding=hex|base64` for bytes. Answers: 404 for an
// unknown store or a key this worker does not hold, 400 for a key or parameter that cannot be parsed, 503 while the
// worker cannot answer (not running). Every error body is { error: "<what is wrong>" }.
import { type Request, type Response, Router } from 'express';
import type { KeyValue, ValueAndTimestamp, Windowed } from '../../operators/api/record.js';
import type { Topology } from '../../operators/graph/topology.js';
import type { ReadOnlyKeyValueStore } from '../../state/api/key-value-store.js';
import type { ReadOnlySessionStore } from '../../state/api/session-store.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { StoreBuilder } from '../../state/api/store-builder.js';
import type { ReadOnlyWindowStore, WindowedValue } from '../../state/api/window-store.js';
import {
  isTimestamped,
  type QueryableView,
  StoreNotQueryableError,
  storeBuilders,
  UnknownStoreError,
} from './queryable-store.js';

/** What the routes need of a KafkaStreams instance. */
export interface QueryableStreams {
  store(name: string, options?: { timestamped?: boolean }): QueryableView;
  metadataForLocalThreads(): ReadonlyArray<{ activeTasks: ReadonlyArray<{ taskId: string; state: string }> }>;
}

class BadRequest extends Error {}
class NotFound extends Error {}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

/** A path key as the store's key type. */
export function parseKey(raw: string, builder: StoreBuilder<StateStore>, encoding: unknown): unknown {
  const serde = builder.keySerde.name;
  const fail = (what: string): never => {
    throw new BadRequest(`key '${raw}' of store '${builder.name}' (key serde ${serde}): ${what}`);
  };
  switch (serde) {
    case 'string':
      return raw;
    case 'long':
    case 'int': {
      const n = Number(raw);
      return Number.isSafeInteger(n) && raw.trim() !== '' ? n : fail('expected an integer');
    }
    case 'double': {
      const n = Number(raw);
      return Number.isFinite(n) && raw.trim() !== '' ? n : fail('expected a number');
    }
    case 'bytes': {
      if (encoding === 'hex')
        return /^([0-9a-f]{2})*$/i.test(raw) ? Buffer.from(raw, 'hex') : fail('expected hex');
      if (encoding === 'base64') return Buffer.from(raw, 'base64');
      return Buffer.from(raw, 'utf8');
    }
    default:
      try {
        return JSON.parse(raw);
      } catch {
        // A json serde's string keys may come without quotes.
        return serde === 'json' ? raw : fail('expected the key as JSON');
      }
  }
}

/** JSON for any stored value: Buffers as base64, bigints as strings. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    const data = (value as { data?: number[] }).data;
    if (Array.isArray(data)) return { base64: Buffer.from(data).toString('base64') };
  }
  return value;
}

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').send(JSON.stringify(body, jsonReplacer));
}

function timeParam(req: Request, name: string, fallback: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(n) || n < 0)
    throw new BadRequest(`query parameter ${name}=${String(raw)}: expected a non-negative integer (ms)`);
  return n;
}

function limitParam(req: Request): number {
  const raw = req.query.limit;
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(n) || n <= 0 || n > MAX_LIMIT)
    throw new BadRequest(`query parameter limit=${String(raw)}: expected an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

async function take<T>(source: AsyncIterable<T>, limit: number): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  for await (const item of source) {
    if (items.length === limit) return { items, more: true };
    items.push(item);
  }
  return { items, more: false };
}

const stamped = (stored: unknown, timestamped: boolean) =>
  timestamped
    ? {
        value: (stored as ValueAndTimestamp<unknown>).value,
        timestamp: (stored as ValueAndTimestamp<unknown>).timestamp,
      }
    : { value: stored };

const window = (w: Windowed<unknown>['window']) => ({ windowStart: w.start, windowEnd: w.end });

export function storeRoutes(streams: QueryableStreams, topology: Topology): Router {
  const builders = storeBuilders(topology);
  const router = Router();

  const builderOf = (name: string) => {
    const builder = builders.get(name);
    if (!builder) throw new UnknownStoreError(name, [...builders.keys()]);
    return builder;
  };
  const localTasks = () =>
    streams
      .metadataForLocalThreads()
      .flatMap((t) => t.activeTasks)
      .filter((t) => t.state === 'running')
      .map((t) => t.taskId);

  const handle =
    (work: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await work(req, res);
      } catch (e) {
        const message = (e as Error).message;
        if (e instanceof UnknownStoreError || e instanceof NotFound) send(res, 404, { error: message });
        else if (e instanceof BadRequest) send(res, 400, { error: message });
        else if (e instanceof StoreNotQueryableError) send(res, 503, { error: message });
        else send(res, 500, { error: `query failed: ${message}` });
      }
    };

  router.get(
    '/stores',
    handle(async (_req, res) => {
      send(res, 200, {
        stores: [...builders.values()].map((b) => ({
          name: b.name,
          kind: b.kind,
          keySerde: b.keySerde.name,
          valueSerde: b.valueSerde.name,
        })),
        runningTasks: localTasks(),
      });
    }),
  );

  router.get(
    '/stores/:store/keys/:key',
    handle(async (req, res) => {
      const name = String(req.params.store);
      const builder = builderOf(name);
      const key = parseKey(String(req.params.key), builder, req.query.keyEncoding);
      const ts = isTimestamped(builder);
      const view = streams.store(name, { timestamped: true });
      const notHere = () =>
        new NotFound(
          `key '${String(req.params.key)}' not found in store '${name}' on this worker (running tasks: ${localTasks().join(', ') || 'none'}); another worker may hold its partition`,
        );
      if (builder.kind === 'key-value' || builder.kind === 'timestamped-key-value') {
        const stored = await (view as ReadOnlyKeyValueStore<unknown, unknown>).get(key);
        if (stored === undefined) throw notHere();
        send(res, 200, { store: name, key, ...stamped(stored, ts) });
      } else if (builder.kind === 'session') {
        const sessions = await (view as ReadOnlySessionStore<unknown, unknown>).fetch(key);
        if (sessions.length === 0) throw notHere();
        send(res, 200, {
          store: name,
          key,
          sessions: sessions.map((s) => ({ ...window(s.key.window), value: s.value })),
        });
      } else {
        const from = timeParam(req, 'from', 0);
        const to = timeParam(req, 'to', Number.MAX_SAFE_INTEGER);
        const windows = (await (view as ReadOnlyWindowStore<unknown, unknown>).fetch(
          key,
          from,
          to,
        )) as WindowedValue<unknown>[];
        if (windows.length === 0) throw notHere();
        const size = builder.windowSizeMs ?? 0;
        send(res, 200, {
          store: name,
          key,
          windows: windows.map((w) => ({
            windowStart: w.windowStart,
            windowEnd: w.windowStart + size,
            ...stamped(w.value, ts),
          })),
        });
      }
    }),
  );

  router.get(
    '/stores/:store/entries',
    handle(async (req, res) => {
      const name = String(req.params.store);
      const builder = builderOf(name);
      const limit = limitParam(req);
      const ts = isTimestamped(builder);
      const view = streams.store(name, { timestamped: true });
      let page: { items: unknown[]; more: boolean };
      if (builder.kind === 'key-value' || builder.kind === 'timestamped-key-value') {
        const bound = (p: string) =>
          req.query[p] === undefined
            ? undefined
            : parseKey(String(req.query[p]), builder, req.query.keyEncoding);
        const entries = (view as ReadOnlyKeyValueStore<unknown, unknown>).range(bound('from'), bound('to'));
        const { items, more } = await take(entries, limit);
        page = { items: items.map((kv) => ({ key: kv.key, ...stamped(kv.value, ts) })), more };
      } else if (builder.kind === 'session') {
        const { items, more } = await take((view as ReadOnlySessionStore<unknown, unknown>).all(), limit);
        page = {
          items: items.map((kv) => ({ key: kv.key.key, ...window(kv.key.window), value: kv.value })),
          more,
        };
      } else {
        const from = timeParam(req, 'from', 0);
        const to = timeParam(req, 'to', Number.MAX_SAFE_INTEGER);
        const entries = (view as ReadOnlyWindowStore<unknown, unknown>).fetchAll(from, to);
        const { items, more } = await take(
          entries as AsyncIterable<KeyValue<Windowed<unknown>, unknown>>,
          limit,
        );
        page = {
          items: items.map((kv) => ({ key: kv.key.key, ...window(kv.key.window), ...stamped(kv.value, ts) })),
          more,
        };
      }
      send(res, 200, { store: name, entries: page.items, more: page.more });
    }),
  );

  return router;
}

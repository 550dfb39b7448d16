// Loads the user's topology module: `export default` (or a named export chosen with --export) is a Topology, or a
// function (topologyConfig, streamsConfig) => Topology | Promise<Topology> that receives the config file's
// `topology` section. Each failure says which module, which export, and what was found instead.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Topology } from '../../operators/graph/topology.js';
import { ConfigError, type StreamsSettings } from './config.js';

/** What a topology module may export. */
export type TopologyFactory = (
  topologyConfig: Record<string, unknown>,
  streamsConfig: StreamsSettings,
) => Topology | Promise<Topology>;

// Structural, not instanceof: a module importing 'tributary' from another copy of the package still qualifies.
function isTopology(value: unknown): value is Topology {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as Topology).subtopologies) &&
    typeof (value as Topology).describe === 'function'
  );
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `a ${typeof value}`;
}

/** The export to use: the named one, else `default`, else the module's only Topology/function export. */
function pickExport(
  module: Record<string, unknown>,
  file: string,
  name: string | undefined,
): [string, unknown] {
  if (name !== undefined) {
    if (!(name in module))
      throw new ConfigError(
        `${file} has no export named '${name}'; its exports: ${Object.keys(module).join(', ') || '(none)'}`,
      );
    return [name, module[name]];
  }
  if (module.default !== undefined) return ['default', module.default];
  const candidates = Object.entries(module).filter(([, v]) => isTopology(v) || typeof v === 'function');
  if (candidates.length === 1) return candidates[0];
  throw new ConfigError(
    candidates.length === 0
      ? `${file} exports no topology: export default a Topology (builder.build()) or a function returning one`
      : `${file} exports several candidates (${candidates.map(([n]) => n).join(', ')}): choose one with --export <name>`,
  );
}

export async function loadTopology(
  modulePath: string,
  options: {
    exportName?: string;
    topologyConfig?: Record<string, unknown>;
    streamsConfig?: StreamsSettings;
  } = {},
): Promise<Topology> {
  const file = resolve(modulePath);
  if (!existsSync(file)) throw new ConfigError(`topology module not found: ${file}`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const hint =
      /\.[cm]?ts$/.test(file) && /Unknown file extension/.test(String(e))
        ? ' (a TypeScript module needs tsx: install it, or compile the module to JavaScript)'
        : '';
    throw new ConfigError(`cannot load ${file}${hint}: ${(e as Error).stack ?? e}`);
  }
  const [name, value] = pickExport(module, file, options.exportName);
  if (isTopology(value)) return value;
  if (typeof value !== 'function')
    throw new ConfigError(
      `export '${name}' of ${file} is ${describeValue(value)}, not a Topology or a function returning one`,
    );
  let result: unknown;
  try {
    result = await (value as TopologyFactory)(options.topologyConfig ?? {}, options.streamsConfig ?? {});
  } catch (e) {
    throw new ConfigError(
      `export '${name}' of ${file} threw while building the topology: ${(e as Error).stack ?? e}`,
    );
  }
  if (!isTopology(result))
    throw new ConfigError(
      `export '${name}' of ${file} returned ${describeValue(result)}, not a Topology (did you forget builder.build()?)`,
    );
  return result;
}

// The `tributary` command line (runtime/cli/bin.cjs launches it):
//   tributary run <module>        run a worker of the module's topology until SIGTERM/SIGINT
//   tributary describe <module>   print the topology (text, --json, --mermaid)
//   tributary reset <module>      rewind a stopped application's input offsets (replay, backfill)
// Settings come from flags, TRIBUTARY_* environment variables and a JSON file (config.ts). docs/operations.md.
import { Command, CommanderError, Option } from 'commander';
import { logger } from '../../common/logger.js';
import { ConfigError, envOf, flagOf, resolveConfig, SETTINGS } from './config.js';
import { loadTopology } from './load-topology.js';
import { parseResetTarget, resetCommand } from './reset-command.js';
import { EXIT, runWorker } from './run-command.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new ConfigError(`--http-port: expected a port number, got '${value}'`);
  return n;
}

/** The StreamsConfig flags (one per setting), --config and --export. */
function addConfigOptions(command: Command): Command {
  command.option(
    '-c, --config <file>',
    'JSON config file: StreamsConfig keys plus a "topology" object (env TRIBUTARY_CONFIG)',
  );
  command.option('-e, --export <name>', 'the module export to run (default: the default export)');
  for (const s of SETTINGS) {
    const arg = s.kind === 'properties' ? '<key=value>' : s.kind === 'int' ? '<n>' : '<value>';
    const option = new Option(`${flagOf(s.key)} ${arg}`, `${s.help} (env ${envOf(s.key)})`);
    if (s.kind === 'properties') option.argParser(collect);
    command.addOption(option);
  }
  return command;
}

function flagValues(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(SETTINGS.map((s) => [s.key, options[s.key]]));
}

export function program(output: { out: (text: string) => void; err: (text: string) => void }): Command {
  const root = new Command('tributary')
    .description('Typed, Kafka-Streams-style stream processing for TypeScript')
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err });

  addConfigOptions(
    root
      .command('run')
      .description('run one worker of the topology exported by <module> until SIGTERM or SIGINT')
      .argument('<module>', 'a .ts/.js module exporting a Topology or a function returning one')
      .option(
        '--http-port <port>',
        'serve /health/live, /health/ready, /metrics and /stores on this port (env TRIBUTARY_HTTP_PORT; 0 picks one)',
      )
      .option('--http-host <host>', 'address of the operations endpoint (default 0.0.0.0)')
      .option('--close-timeout-ms <n>', 'longest clean shutdown before exiting with 1', '60000'),
  ).action(async function (this: Command, modulePath: string) {
    const opts = this.opts();
    const config = resolveConfig({ flags: flagValues(opts), env: process.env, file: opts.config });
    const topology = await loadTopology(modulePath, {
      exportName: opts.export,
      topologyConfig: config.topology,
      streamsConfig: config.streams,
    });
    const port = opts.httpPort ?? process.env.TRIBUTARY_HTTP_PORT;
    this.setOptionValue(
      'exitCode',
      await runWorker({
        config,
        topology,
        ...(port !== undefined ? { httpPort: parsePort(String(port)) } : {}),
        ...(opts.httpHost !== undefined ? { httpHost: opts.httpHost } : {}),
        closeTimeoutMs: Number(opts.closeTimeoutMs),
      }),
    );
  });

  addConfigOptions(
    root
      .command('describe')
      .description(
        "print the topology exported by <module>: Kafka Streams' text layout, JSON or a Mermaid flowchart",
      )
      .argument('<module>', 'a .ts/.js module exporting a Topology or a function returning one')
      .option('--json', 'the description as JSON')
      .option('--mermaid', 'a Mermaid flowchart'),
  ).action(async function (this: Command, modulePath: string) {
    const opts = this.opts();
    if (opts.json && opts.mermaid) throw new ConfigError('choose one of --json and --mermaid');
    const config = resolveConfig(
      { flags: flagValues(opts), env: process.env, file: opts.config },
      { requireApplicationId: false },
    );
    const topology = await loadTopology(modulePath, {
      exportName: opts.export,
      topologyConfig: config.topology,
      streamsConfig: config.streams,
    });
    const description = topology.describe();
    if (opts.json) output.out(`${JSON.stringify(description, null, 2)}\n`);
    else if (opts.mermaid) output.out(`${description.toMermaid()}\n`);
    else output.out(`${description.toString()}\n`);
  });

  addConfigOptions(
    root
      .command('reset')
      .description(
        "rewind a stopped application's committed input offsets and delete its internal topics (Kafka's streams-reset): the next run reprocesses from there",
      )
      .argument('<module>', 'the module of the application (its source and internal topics)')
      .option('--to-earliest', 'reprocess everything still in the input topics (default)')
      .option('--to-latest', 'skip everything in the input topics so far')
      .option('--to-offset <offset>', 'the same offset in every input partition')
      .option('--to-timestamp <time>', 'the first record at or after this time (ms since epoch, or ISO 8601)')
      .option('--input-topics <topics>', 'comma-separated input topics (default: the topology source topics)')
      .option(
        '--keep-internal-topics',
        'keep changelog and repartition topics (state is not rebuilt: use with care)',
      )
      .option(
        '--wipe-local-state',
        "delete this machine's local state of the application (<stateDir>/<applicationId>)",
      )
      .option('--dry-run', 'print what would be done, change nothing'),
  ).action(async function (this: Command, modulePath: string) {
    const opts = this.opts();
    const config = resolveConfig({ flags: flagValues(opts), env: process.env, file: opts.config });
    const topology = await loadTopology(modulePath, {
      exportName: opts.export,
      topologyConfig: config.topology,
      streamsConfig: config.streams,
    });
    await resetCommand({
      config,
      topology,
      target: parseResetTarget(opts),
      ...(opts.inputTopics !== undefined
        ? {
            inputTopics: String(opts.inputTopics)
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          }
        : {}),
      deleteInternalTopics: !opts.keepInternalTopics,
      wipeLocalState: Boolean(opts.wipeLocalState),
      dryRun: Boolean(opts.dryRun),
      out: output.out,
    });
  });
  return root;
}

/** Runs the command line; resolves with the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const output = {
    out: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(text),
  };
  const root = program(output);
  try {
    await root.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT.usage;
    if (e instanceof ConfigError) {
      output.err(`tributary: ${e.message}\n`);
      return EXIT.usage;
    }
    logger.error({ err: e }, 'tributary failed');
    output.err(`tributary: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
  const code = root.commands.map((c) => c.getOptionValue('exitCode')).find((c) => c !== undefined);
  return typeof code === 'number' ? code : 0;
}

#!/usr/bin/env node
// The `tributary` command. CommonJS on purpose: it must set UV_THREADPOOL_SIZE before anything uses libuv's thread
// pool, and an ES-module entry is too late (Node's ESM loader reads the entry file on the pool, which fixes the pool
// size at 4; measured: six blocked FIFO opens starve a 7th fs call with the variable set inside an .mjs entry, not
// with it set here). Kafka client calls and RocksDB both run on that pool (docs/kafka-client-notes.md, open risks).
//
// Which code it runs:
// - dist/runtime/cli/main.js when the package was built (`npm run build`, what an installed package ships);
// - otherwise the TypeScript sources through tsx (a development checkout; TRIBUTARY_CLI_FROM_SOURCE=1 forces this
//   even when a dist/ exists). There, `import ... from 'tributary'` in a user's module resolves to this checkout's
//   index.ts, so the module and the CLI share one copy of the library.
// Either way, tsx is registered when it can be found (from here or from the working directory) so that a user's
// topology module may be TypeScript.
'use strict';

if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';

const { existsSync } = require('node:fs');
const { createRequire, register } = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..', '..');
const dist = path.join(root, 'dist', 'runtime', 'cli', 'main.js');
const source = path.join(root, 'runtime', 'cli', 'main.ts');
const fromSource = process.env.TRIBUTARY_CLI_FROM_SOURCE === '1' || !existsSync(dist);

/**
 * Registers tsx (both module systems) if it is installed beside the package or in the working directory. Its ESM
 * API is imported by path: `require('tsx/esm/api')` (the CommonJS build) fails to register in tsx 4.23.
 */
async function registerTsx() {
  for (const base of [path.join(root, 'package.json'), path.join(process.cwd(), 'package.json')]) {
    let resolveFrom;
    try {
      resolveFrom = createRequire(base);
      resolveFrom.resolve('tsx/package.json');
    } catch {
      continue; // not installed there
    }
    resolveFrom('tsx/cjs/api').register();
    const tsxRoot = path.dirname(resolveFrom.resolve('tsx/package.json'));
    const esm = await import(pathToFileURL(path.join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href);
    esm.register();
    return true;
  }
  return false;
}

/** Resolves the bare specifier 'tributary' to this checkout's index.ts (tsx, resolving after it, loads it). */
function registerSourceAlias() {
  const index = pathToFileURL(path.join(root, 'index.ts')).href;
  const hooks = `export async function resolve(specifier, context, next) {
    return next(specifier === 'tributary' ? ${JSON.stringify(index)} : specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

async function launch() {
  const hasTsx = await registerTsx();
  let entry = dist;
  if (fromSource) {
    if (!hasTsx || !existsSync(source)) {
      process.stderr.write(
        `tributary: no built CLI (${dist}) and no tsx to run the sources; run \`npm run build\` or install tsx\n`,
      );
      return 2;
    }
    registerSourceAlias();
    entry = source;
  }
  const { runCli } = await import(pathToFileURL(entry).href);
  return runCli(process.argv.slice(2));
}

launch().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`tributary: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);

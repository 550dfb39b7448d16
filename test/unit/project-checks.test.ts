// The type-level tests (expectTypeOf, @ts-expect-error) only fail under the compiler, so the compiler is a test.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function exitOf(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { maxBuffer: 64 << 20 });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('project checks', () => {
  it('type-checks (including the type-level tests)', { timeout: 120_000 }, async () => {
    const { code, output } = await exitOf('npx', ['tsc', '-p', 'tsconfig.json']);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('passes the linter and formatter', { timeout: 120_000 }, async () => {
    const { code, output } = await exitOf('npx', ['biome', 'check', '--max-diagnostics=50', '.']);
    expect(code, output).toBe(0);
  });
});

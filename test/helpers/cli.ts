/** `npm run leadwire -- …` as a child process with a test system's environment. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  /** Output so far; complete once `exited` resolves. */
  output: { stdout: string; stderr: string };
  /** The exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

export function spawnCli(env: Record<string, string>, args: string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', ...args], {
    cwd: ROOT,
    // A developer's .env must not leak into a test: the test's environment is all there is.
    env: { ...process.env, ENV_FILE: '/dev/null', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  return { child, output, exited };
}

/** Runs the CLI to the end. */
export async function runCli(env: Record<string, string>, args: string[]) {
  const run = spawnCli(env, args);
  const code = await run.exited;
  return { code, ...run.output };
}

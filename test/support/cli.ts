// Runs the built crate-lab CLI (dist/trainer/cli.js) as a user would: a real process, no shell.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './reference.js';

export const cliPath = join(repoRoot, 'dist', 'trainer', 'cli.js');

/** How long a test waits for one crate-lab process; the tests' runs take seconds, so past this it hangs. */
export const cliTimeoutMs = 300_000;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: cliTimeoutMs, killSignal: 'SIGKILL' });
  if (r.error) {
    const why = (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `did not exit within ${cliTimeoutMs / 1000} s and was killed` : `could not run: ${r.error.message}`;
    throw new Error(`crate-lab ${args.join(' ')} ${why}${r.stderr ? `; its stderr:\n${r.stderr}` : ''}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runCliJson<T>(args: string[]): T {
  const r = runCli([...args, '--json']);
  if (r.status !== 0) throw new Error(`crate-lab ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

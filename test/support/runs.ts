// Helpers for tests that run the real trainer CLI as a separate process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEventsFrom } from '../../trainer/run/eventsReader.js';
import type { RunEvent, RunInfo } from '../../trainer/run/format.js';
import { cliPath } from './cli.js';
import { waitFor } from './waitFor.js';

export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout })));
}

/** The one run directory inside a runs directory. */
export function onlyRun(runsDir: string): string | undefined {
  if (!existsSync(runsDir)) return undefined;
  const runs = readdirSync(runsDir);
  return runs.length === 1 ? join(runsDir, runs[0]) : undefined;
}

export function runInfo(runDir: string): RunInfo {
  return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunInfo;
}

export function events(runDir: string): RunEvent[] {
  return readEventsFrom(join(runDir, 'events.jsonl')).events;
}

/** The run directory in `runsDir` once its first checkpoint is complete. */
export function firstCheckpoint(runsDir: string): Promise<string> {
  return waitFor('the first checkpoint', () => {
    const dir = onlyRun(runsDir);
    return dir && existsSync(join(dir, 'checkpoints', 'latest')) ? dir : undefined;
  });
}

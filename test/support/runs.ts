// Helpers for tests that run the real trainer CLI as a separate process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { readEventsFrom } from '../../trainer/run/eventsReader.js';
import { heartbeatIntervalMs, type RunEvent, type RunInfo } from '../../trainer/run/format.js';
import { cliPath, cliTimeoutMs } from './cli.js';
import { waitFor } from './waitFor.js';

export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * How the process ended, and its output. A process still running after cliTimeoutMs (a hung
 * trainer) is killed and fails the test with its command line and stderr, instead of hanging it.
 * One parameter only: callers pass it to map().
 */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const command = child.spawnargs.slice(1).join(' ');
      reject(new Error(`${command} (pid ${child.pid}) did not exit within ${cliTimeoutMs / 1000} s and was killed${stderr ? `; its stderr:\n${stderr}` : ''}`));
    }, cliTimeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, stdout });
    });
  });
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

/**
 * Starts the CLI (`train …`) and waits until its run directory in `runsDir` has run.json. The
 * process is killed when the test ends, should an assertion fail while it still trains.
 */
export async function startTraining(t: TestContext, args: string[], runsDir: string): Promise<{ child: ChildProcess; result: ReturnType<typeof exited>; runDir: string }> {
  const child = spawnCli(args);
  const result = exited(child);
  t.after(() => child.kill('SIGKILL'));
  const runDir = await waitFor('run.json', () => {
    const dir = onlyRun(runsDir);
    return dir && existsSync(join(dir, 'run.json')) ? dir : undefined;
  });
  return { child, result, runDir };
}

/**
 * Watches run.json every 100 ms until one step has lasted 2.5 heartbeat intervals, failing when
 * the heartbeat is ever older than two (a watcher's limit, staleHeartbeatMs, is four) or the run
 * reaches `lastStep` first. `check` sees every sample. Returns the step and the beats seen during it.
 */
export async function watchOneLongStep(runDir: string, lastStep: number, check: (info: RunInfo, now: number) => void = () => {}): Promise<{ step: number; since: number; beats: Set<string> }> {
  const still = { step: -1, since: 0, beats: new Set<string>() };
  for (;;) {
    const info = runInfo(runDir);
    const now = Date.now();
    assert.ok(info.step < lastStep, 'no step lasted long enough to watch the heartbeat; make them longer');
    const age = now - Date.parse(info.heartbeat);
    assert.ok(age < 2 * heartbeatIntervalMs, `heartbeat is ${age} ms old during step ${info.step + 1}`);
    check(info, now);
    if (info.step !== still.step) Object.assign(still, { step: info.step, since: now, beats: new Set() });
    still.beats.add(info.heartbeat);
    if (now - still.since >= 2.5 * heartbeatIntervalMs) return still;
    await new Promise((r) => setTimeout(r, 100));
  }
}

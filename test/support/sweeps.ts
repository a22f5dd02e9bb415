// What the sweep tests share (test/sweep-local.test.ts, test/sweep-slurm.test.ts): a tiny sweep
// of four members, `crate-lab sweep status --json`, the members' runs, and the check that a sweep
// interrupted and resumed ends with the same final weights as one that ran straight through.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { runInfo } from './runs.js';
import { waitFor } from './waitFor.js';

/** Steps of every member of the tiny sweep. */
export const sweepSteps = 40;

/** Writes the tiny sweep's config into `dir` (four members: two architectures × two seeds); `extra` is added to its sweep block. */
export function writeTinySweep(dir: string, extra = ''): string {
  const config = join(dir, 'tiny.crate.yaml');
  writeFileSync(
    config,
    `name: tiny
seed: 3
backend: wasm
model: { arch: crate, depth: 1, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 32 }
optim: { batchSize: 32, maxSteps: ${sweepSteps}, lr: 0.003, warmup: 3 }
eval: { every: 20 }
introspect: { every: 0 }
checkpoint: { every: 5, keep: 2 }
sweep:
  grid:
    model.arch: [crate, crate-c]
  seeds: [0, 1]
${extra}`,
  );
  return config;
}

export interface SweepStatus {
  id: string;
  scheduler: string;
  active: boolean | null; // null when the scheduler does not answer (Slurm down)
  counts: Record<string, number>;
  members: { index: number; state: string; runDir: string | null; jobId: string | null; jobState: string | null; jobReason?: string; step: number }[];
}

export function sweepStatus(sweepDir: string, env: Record<string, string> = {}): SweepStatus {
  const r = runCli(['sweep', 'status', sweepDir, '--json'], env);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as SweepStatus;
}

/** Once no member is running or queued and the scheduler has stopped working: the status then. */
export const sweepFinished = (sweepDir: string, env: Record<string, string> = {}): Promise<SweepStatus> =>
  waitFor(`${sweepDir} to finish`, () => {
    const s = sweepStatus(sweepDir, env);
    return !s.active && s.members.every((m) => m.state !== 'running' && m.state !== 'queued') && s;
  });

/**
 * The run directory of each sweep member in a runs folder, by member index: its newest run (a
 * member killed before its first checkpoint is trained anew, beside the run it left).
 */
export function runsByMember(runsDir: string, sweepId: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of readdirSync(runsDir)) {
    const dir = join(runsDir, name);
    if (!existsSync(join(dir, 'run.json'))) continue;
    const info = runInfo(dir) as ReturnType<typeof runInfo> & { sweep?: { id: string; member: number } };
    assert.equal(info.sweep?.id, sweepId, `${dir} belongs to the sweep`);
    const seen = out.get(info.sweep.member);
    if (seen && runInfo(seen).createdAt > info.createdAt) continue;
    out.set(info.sweep.member, dir);
  }
  return out;
}

export const finalWeights = (runDir: string): Buffer =>
  readFileSync(join(runDir, 'checkpoints', `step-${String(sweepSteps).padStart(8, '0')}`, 'weights.safetensors'));

/** Once a member has written its first checkpoint: the middle of the sweep. */
export const firstCheckpoint = (runsDir: string): Promise<string> =>
  waitFor('a member’s first checkpoint', () => existsSync(runsDir) && readdirSync(runsDir).find((n) => existsSync(join(runsDir, n, 'checkpoints', 'latest'))));

/** Every member completed, grouped by the sweep id, with the straight sweep's final weights (byte for byte). */
export function assertSameAsStraight(runsDir: string, sweepDir: string, straight: Map<number, Buffer>, env: Record<string, string> = {}): void {
  const s = sweepStatus(sweepDir, env);
  assert.deepEqual(s.counts, { completed: 4 }, JSON.stringify(s.members));
  const runs = runsByMember(runsDir, s.id);
  assert.deepEqual([...runs.keys()].sort(), [0, 1, 2, 3]);
  for (const [member, dir] of runs) {
    assert.equal(runInfo(dir).status, 'completed');
    assert.ok(finalWeights(dir).equals(straight.get(member)!), `member ${member}: final weights differ from the straight sweep's`);
  }
}

/** Each of these members finished in the run it had, from its checkpoint, not in a new run from the start. */
export function assertResumedInPlace(runsDir: string, sweepId: string, before: [number, string][]): void {
  const after = runsByMember(runsDir, sweepId);
  for (const [member, dir] of before) {
    assert.equal(after.get(member), dir, `member ${member} continued in its own run`);
    assert.ok(readFileSync(join(dir, 'events.jsonl'), 'utf8').includes('resumed from step-'), `member ${member} resumed from a checkpoint`);
  }
}

/** A run left by a stop: stopped or completed, its run.json whole, its latest checkpoint a folder with the weights in it. */
export function assertStoppedCleanly(runDir: string): void {
  const info = runInfo(runDir);
  assert.ok(info.status === 'stopped' || info.status === 'completed', `${runDir}: ${info.status}`);
  const latest = readFileSync(join(runDir, 'checkpoints', 'latest'), 'utf8').trim();
  assert.ok(existsSync(join(runDir, 'checkpoints', latest, 'weights.safetensors')), `${runDir}: ${latest}`);
}

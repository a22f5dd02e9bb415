// checkpoints/<step-N>/ holds weights (official names), optimizer moments and the loop state.
// A checkpoint is written under a temporary name and renamed; `latest` is replaced last; older
// ones are pruned to `keep`. A failed write (disk full) leaves the previous checkpoint intact.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { FileFormatError } from '../io/fileFormatError.js';
import { type NamedTensor, readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { checkpointDirName, checkpointFiles, runFiles } from './format.js';

export interface Checkpoint<State> {
  dir: string;
  weights: Map<string, NamedTensor>;
  metadata: Record<string, string>;
  optimizer: Map<string, NamedTensor>;
  state: State;
}

export function saveCheckpoint<State>(runDir: string, step: number, c: Omit<Checkpoint<State>, 'dir'>, keep: number): string {
  const root = join(runDir, runFiles.checkpoints);
  const name = checkpointDirName(step);
  const tmp = join(root, `.tmp-${name}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp, { recursive: true });
    writeSafetensors(join(tmp, checkpointFiles.weights), c.weights, c.metadata);
    writeSafetensors(join(tmp, checkpointFiles.optimizer), c.optimizer);
    writeFileAtomic(join(tmp, checkpointFiles.state), `${JSON.stringify(c.state, null, 2)}\n`);
    rmSync(join(root, name), { recursive: true, force: true });
    renameSync(tmp, join(root, name));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  try {
    writeFileAtomic(join(runDir, runFiles.latest), `${name}\n`);
  } catch (e) {
    // Not pointed at, it would only hold the space that is missing; the checkpoints stay as they were.
    rmSync(join(root, name), { recursive: true, force: true });
    throw e;
  }
  const all = checkpointNames(runDir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(root, old), { recursive: true, force: true });
  return name;
}

/** The complete checkpoints a run keeps, oldest first (their names sort by step). */
export function checkpointNames(runDir: string): string[] {
  const root = join(runDir, runFiles.checkpoints);
  return existsSync(root) ? readdirSync(root).filter((d) => d.startsWith('step-')).sort() : [];
}

export function latestCheckpointDir(runDir: string): string | undefined {
  const latest = join(runDir, runFiles.latest);
  if (!existsSync(latest)) return undefined;
  const name = readFileSync(latest, 'utf8').trim();
  return join(runDir, runFiles.checkpoints, name);
}

export function loadCheckpoint<State>(dir: string): Checkpoint<State> {
  const stateFile = join(dir, checkpointFiles.state);
  if (!existsSync(stateFile)) throw new FileFormatError(dir, 'not a checkpoint (no state.json)');
  let state: State;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as State;
  } catch (e) {
    throw new FileFormatError(stateFile, `unreadable checkpoint state (${(e as Error).message})`);
  }
  const weights = readSafetensors(join(dir, checkpointFiles.weights));
  const optimizer = readSafetensors(join(dir, checkpointFiles.optimizer));
  return { dir, weights: weights.tensors, metadata: weights.metadata, optimizer: optimizer.tensors, state };
}

// Which runs a study compares (docs/study.md): the run directories given, and the members of the
// sweeps given (their newest run each, as sweep status finds them). Only completed runs enter;
// the others are left out with the reason. Runs on different data sets or image sizes cannot be
// compared: that is refused, naming both runs and what differs.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isLiveStatus, runFiles } from '../run/format.js';
import { RunInfoError, readRunInfo } from '../run/runInfoFile.js';
import { trainerAlive } from '../run/trainerProcess.js';
import { memberRuns } from '../sweep/memberRuns.js';
import { readSweep, sweepFiles } from '../sweep/sweepFile.js';
import { flatten } from '../config/dottedPaths.js';
import { readEventsFrom } from '../run/eventsReader.js';
import { type Gap, gapOfEvents } from './generalizationGap.js';
import { finalHeldOutAccuracy, type HeldOutAccuracy } from './heldOutAccuracy.js';
import { type HyperparameterId, studyHyperparameters } from './granulated.js';

export class StudyInputError extends Error {
  override name = 'StudyInputError';
}

export interface StudyRun {
  dir: string;
  id: string;
  name: string;
  step: number;
  settings: Record<HyperparameterId, string>;
  rest: string;
  gap: Gap;
  /** Its last evaluation's held-out accuracy (the regularizer's table), null when not finite. */
  accuracy: HeldOutAccuracy | null;
  /** The run's config.yaml, as parsed. */
  config: Record<string, unknown>;
}

export interface LeftOut {
  dir: string;
  reason: string;
}

/**
 * Config sections that do not change the trained model, left out when runs are matched as
 * "differing only in one hyperparameter": names, where and how it computed, and what it logged.
 */
const notModelSettings = new Set(['name', 'backend', 'threads', 'device', 'runsDir', 'introspect', 'checkpoint', 'sweep']);
/**
 * Single settings of the same kind: how a batch is split into micro-batches, whose gradients are
 * summed to the batch's (docs/training.md). It follows optim.batchSize by default, so counting it
 * would leave no two runs "differing only in batch size".
 */
const notModelPaths = new Set(['optim.microBatch']);
/**
 * Settings added to the config after runs were trained, with the value those runs trained with:
 * configs from before model.dropout trained without dropout, those from before model.attentionOnly
 * with full layers (so a run with `attentionOnly: false` spelled out matches an older one).
 */
const settingsAddedLater = new Map<string, unknown>([
  ['model.dropout', 0],
  ['model.attentionOnly', false],
]);

/** The run directories named by the arguments: each is a run directory or a sweep folder. */
export function expandStudyArguments(args: readonly string[]): { runDirs: string[]; leftOut: LeftOut[] } {
  const runDirs: string[] = [];
  const leftOut: LeftOut[] = [];
  for (const arg of args) {
    const dir = resolve(arg);
    if (existsSync(join(dir, sweepFiles.record))) {
      let record;
      try {
        record = readSweep(dir);
      } catch (e) {
        throw new StudyInputError((e as Error).message);
      }
      const runs = memberRuns(record.runsDir, record.id);
      for (const m of record.members) {
        const run = runs.get(m.index);
        if (run) runDirs.push(run.dir);
        else leftOut.push({ dir, reason: `member ${m.index} (${m.name}) has no run yet (${m.state})` });
      }
    } else if (existsSync(join(dir, runFiles.info))) runDirs.push(dir);
    else throw new StudyInputError(`${arg} is neither a run directory (with ${runFiles.info}) nor a sweep folder (with ${sweepFiles.record})`);
  }
  return { runDirs: [...new Set(runDirs)], leftOut };
}

/** Why a run cannot enter the study, or undefined when it has completed. */
function notFinished(dir: string): string | undefined {
  let info;
  try {
    info = readRunInfo(dir);
  } catch (e) {
    if (e instanceof RunInfoError) return e.message;
    throw e;
  }
  if (isLiveStatus(info.status)) return trainerAlive(info) ? `still training (step ${info.step} of ${info.totalSteps})` : `its trainer is gone at step ${info.step} of ${info.totalSteps} (killed); resume it to finish`;
  if (info.status !== 'completed') return `${info.status} at step ${info.step} of ${info.totalSteps}`;
  return undefined;
}

function readConfig(dir: string): Record<string, unknown> {
  const file = join(dir, runFiles.config);
  try {
    const value: unknown = parseYaml(readFileSync(file, 'utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a mapping');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new StudyInputError(`${file} cannot be read as a run config: ${(e as Error).message}`);
  }
}

export function studySettings(config: Record<string, unknown>): { settings: Record<HyperparameterId, string>; rest: string } {
  const flat = flatten(config);
  for (const [path, value] of settingsAddedLater) if (!flat.has(path)) flat.set(path, value);
  const settings = {} as Record<HyperparameterId, string>;
  for (const h of studyHyperparameters) settings[h.id] = JSON.stringify(flat.has(h.path) ? flat.get(h.path) : null);
  const hyper = new Set<string>(studyHyperparameters.map((h) => h.path));
  const rest = [...flat.entries()].filter(([path]) => !hyper.has(path) && !notModelPaths.has(path) && !notModelSettings.has(path.split('.')[0])).sort(([a], [b]) => (a < b ? -1 : 1));
  return { settings, rest: JSON.stringify(rest) };
}

/** What must agree between all runs of a study: the data set (every data setting but augmentation) and the image size. */
function comparability(config: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, v] of flatten(config)) if (path.startsWith('data.') && !path.startsWith('data.augment.')) out.set(path, JSON.stringify(v));
  const model = (config.model ?? {}) as Record<string, unknown>;
  out.set('model.image', JSON.stringify(model.image ?? null));
  return out;
}

/** Why these runs cannot be studied together (different data sets or image sizes), or undefined. */
export function incomparability(runs: readonly { dir: string; config: Record<string, unknown> }[]): string | undefined {
  if (runs.length === 0) return undefined;
  const first = runs[0];
  const want = comparability(first.config);
  for (const r of runs.slice(1)) {
    const got = comparability(r.config);
    for (const path of new Set([...want.keys(), ...got.keys()])) {
      if (want.get(path) !== got.get(path)) {
        const what = path === 'model.image' ? 'image sizes' : 'data sets';
        return `runs on different ${what} cannot be compared: ${path} is ${want.get(path) ?? 'absent'} in ${first.dir} but ${got.get(path) ?? 'absent'} in ${r.dir}`;
      }
    }
  }
  return undefined;
}

/** The completed runs among `runDirs`, with their gaps and settings, and the others with reasons; refuses runs that cannot be compared. */
export function studyRuns(runDirs: readonly string[]): { runs: StudyRun[]; leftOut: LeftOut[] } {
  const collected = collectStudyRuns(runDirs);
  const why = incomparability(collected.runs);
  if (why) throw new StudyInputError(why);
  return collected;
}

/**
 * studyRuns without the comparability check: the server answers an incomparable set with the reason
 * instead. `read` reads one directory (the server's keeps completed runs it has read).
 */
export function collectStudyRuns(runDirs: readonly string[], read: (dir: string) => StudyRun | LeftOut = readStudyRun): { runs: StudyRun[]; leftOut: LeftOut[] } {
  const runs: StudyRun[] = [];
  const leftOut: LeftOut[] = [];
  for (const dir of runDirs) {
    const r = read(dir);
    if ('reason' in r) leftOut.push(r);
    else runs.push(r);
  }
  return { runs, leftOut };
}

/** One run directory as the study takes it: a completed run with its gap and settings, or why it is left out. */
export function readStudyRun(dir: string): StudyRun | LeftOut {
  const why = notFinished(dir);
  if (why) return { dir, reason: why };
  const info = readRunInfo(dir);
  const config = readConfig(dir);
  const { events } = readEventsFrom(join(dir, runFiles.events));
  const gap = gapOfEvents(events);
  if ('reason' in gap) return { dir, reason: `no generalization gap: ${gap.reason}` };
  return { dir, id: info.id, name: info.name, step: info.step, ...studySettings(config), gap, accuracy: finalHeldOutAccuracy(events), config };
}

// Facts about runs and run configs that the server, the extension and the panels all apply.
// Which statuses are live belongs to the run directory's contract, written by the trainer: that
// stays in trainer/run/format.ts (isLiveStatus, also used by the trainer and the run store), and
// this module builds the run-summary predicates on it, so the protocol depends on the trainer's
// run format and never the other way round. No runtime imports besides that tfjs-free module.
import { isLiveStatus } from '../trainer/run/format.js';
// What a run tag may be (annotations.json), so that an input box checks tags as the server does.
export { annotationLimits, tagProblem } from '../trainer/run/format.js';
import type { RunSummary } from './runData.js';

/** The file name suffix of a run config. */
export const configSuffix = '.crate.yaml';

/** A glob for every run config (VS Code's findFiles, document selectors). */
export const configGlob = `**/*${configSuffix}`;

export function isRunConfig(pathOrUri: string): boolean {
  return pathOrUri.endsWith(configSuffix);
}

/** A run whose trainer may still write to it, and which a stop can reach. */
export function isLive(run: Pick<RunSummary, 'status'>): boolean {
  return isLiveStatus(run.status);
}

/** A run that a resume can continue from its latest checkpoint. */
export function isResumable(run: Pick<RunSummary, 'status'>): boolean {
  return run.status === 'stopped' || run.status === 'failed' || run.status === 'diverged';
}

/** A run that ended badly: the user is told, and shown the reason and the log. */
export function endedBadly(run: Pick<RunSummary, 'status'>): boolean {
  return run.status === 'failed' || run.status === 'diverged';
}

/**
 * Why a run that ended badly ended: run.json's reason (or the server's, for a trainer gone without
 * a word) first; a damaged file of the run (its `error`) only when there is none.
 */
export function endReason(run: Pick<RunSummary, 'status' | 'statusReason' | 'error'>): string {
  return run.statusReason ?? run.error ?? run.status;
}

/** The order runs are listed in everywhere: newest first, then by directory. */
export function newestFirst(a: Pick<RunSummary, 'createdAt' | 'dir'>, b: Pick<RunSummary, 'createdAt' | 'dir'>): number {
  return b.createdAt.localeCompare(a.createdAt) || a.dir.localeCompare(b.dir);
}

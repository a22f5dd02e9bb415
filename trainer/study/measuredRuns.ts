// The study's runs with the measures their measures.json holds, computing nothing: the path of
// the language server, which never loads tfjs (docs/architecture.md). A run without the file (or
// with one of an earlier step, or a damaged one) is left out with the reason; `crate-lab study`
// computes the missing ones (runMeasures.ts).
import { runFiles } from '../run/format.js';
import { MeasuresFileError, readMeasuresFile } from './measuresFile.js';
import type { LeftOut, StudyRun } from './studyRuns.js';
import type { MeasuredRun } from './studyTable.js';

export const noMeasuresReason = `no ${runFiles.measures}: run \`crate-lab study …\` to compute it`;

export function measuredRunsFromFiles(runs: readonly StudyRun[]): { measured: MeasuredRun[]; leftOut: LeftOut[] } {
  const measured: MeasuredRun[] = [];
  const leftOut: LeftOut[] = [];
  for (const r of runs) {
    let measures;
    try {
      measures = readMeasuresFile(r.dir);
    } catch (e) {
      if (!(e instanceof MeasuresFileError)) throw e;
      leftOut.push({ dir: r.dir, reason: e.message });
      continue;
    }
    if (!measures) leftOut.push({ dir: r.dir, reason: noMeasuresReason });
    else if (measures.step !== r.step) leftOut.push({ dir: r.dir, reason: `${runFiles.measures} is of step ${measures.step}, not the final step ${r.step}: run \`crate-lab study …\` to compute it again` });
    else measured.push({ ...r, measures });
  }
  return { measured, leftOut };
}

// crateLab/study: the SRR study's table (docs/study.md) over the runs of a Compare panel, built by
// trainer/study from what the run directories hold. The server never loads tfjs, so it only reads
// each run's measures.json; a completed run without one is left out with the reason (crate-lab
// study computes it). Runs on different data sets or image sizes are answered with the reason. A
// run whose directory is gone (deleted while its Compare panel is open) is left out, named.
import { existsSync } from 'node:fs';
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import type { StudyParams, StudyResult } from '../../protocol/studyData.js';
import { defaultBootstrap } from '../../trainer/study/bootstrap.js';
import { measuredRunsFromFiles } from '../../trainer/study/measuredRuns.js';
import { formatRegularizerCsv, formatRegularizerLatex, regularizerSetting, regularizerTable } from '../../trainer/study/regularizerTable.js';
import { StudyInputError, collectStudyRuns, expandStudyArguments, incomparability } from '../../trainer/study/studyRuns.js';
import { formatCsv, formatLatex, studyCell, studyColumns, studyTable } from '../../trainer/study/studyTable.js';
import { SweepFileError } from '../../trainer/sweep/sweepFile.js';
import type { StudyRunCache } from './studyRunCache.js';

/** `cache`: the completed runs already read (the server keeps one; a test may pass none). */
export function study({ runDirs }: StudyParams, cache?: StudyRunCache): StudyResult {
  if (!Array.isArray(runDirs) || runDirs.some((d) => typeof d !== 'string')) throw new ResponseError(ErrorCodes.InvalidParams, 'crateLab/study: runDirs must be a list of run directories');
  let expanded: ReturnType<typeof expandStudyArguments>;
  let collected: ReturnType<typeof collectStudyRuns>;
  const gone = runDirs.filter((d) => !existsSync(d));
  try {
    expanded = expandStudyArguments(runDirs.filter((d) => !gone.includes(d)));
    collected = collectStudyRuns(expanded.runDirs, cache?.read);
  } catch (e) {
    if (e instanceof StudyInputError || e instanceof SweepFileError) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
    throw e;
  }
  const columns = studyColumns.map((c) => ({ id: c.id, label: c.label }));
  const leftOut = [...gone.map((dir) => ({ dir, reason: 'the directory does not exist (deleted?)' })), ...expanded.leftOut, ...collected.leftOut];
  const asProtocol = () => leftOut.map((l) => ({ runDir: l.dir, reason: l.reason }));
  const refused = incomparability(collected.runs);
  if (refused) return { columns, rows: [], bootstrap: defaultBootstrap, points: [], leftOut: asProtocol(), refused, regularizer: null, exports: null };
  const { measured, leftOut: unmeasured } = measuredRunsFromFiles(collected.runs);
  leftOut.push(...unmeasured);
  const table = studyTable(measured, leftOut, defaultBootstrap);
  const regularizer = regularizerTable(collected.runs);
  return {
    columns,
    rows: table.rows.map((r) => ({ measure: r.measure, label: r.label, cells: studyColumns.map((c) => studyCell(r, c.id)) })),
    bootstrap: table.bootstrap,
    points: measured.map((r) => ({
      runDir: r.dir,
      id: r.id,
      name: r.name,
      modelType: String(JSON.parse(r.settings.modelType)),
      regularizer: regularizerSetting(r.config).label,
      gap: r.gap.gap,
      accuracy: r.accuracy?.accuracy ?? null,
      measures: { ...r.measures.measures },
    })),
    leftOut: asProtocol(),
    regularizer,
    exports: {
      csv: formatCsv(table),
      latex: formatLatex(table),
      regularizerCsv: regularizer.used ? formatRegularizerCsv(regularizer) : null,
      regularizerLatex: regularizer.used ? formatRegularizerLatex(regularizer) : null,
    },
  };
}

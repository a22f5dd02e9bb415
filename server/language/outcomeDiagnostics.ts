// Diagnostics from outcomes: when the newest run of an open config diverged or failed, a warning
// on the responsible line — `optim.lr` for a diverged run (a non-finite loss), the `name` line
// (else line 0) for a failed one — naming the run, the step and the trainer's message. A run whose
// loss is still finite but far above chance (RunSummary.diverging, server/runs/lossDivergence.ts)
// is diverging: a warning on `optim.lr` too, with the loss and the threshold.
import { type Diagnostic, DiagnosticSeverity, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { divergingText } from '../../protocol/runHeadline.js';
import { diagnosticSource } from './diagnosticSource.js';
import { analyze } from './documents.js';
import type { RunIndex } from '../runs/runIndex.js';
import { keySpan } from './yamlPosition.js';

export function outcomeDiagnostics(doc: TextDocument, runs: RunIndex): Diagnostic[] {
  const analysis = analyze(doc);
  const config = analysis.result.config;
  if (!config) return [];
  const latest = runs.runsOf(config.runsDir, config.name)[0];
  if (!latest) return [];
  /** The range of the first of `paths` the text has, else the start of the document. */
  const rangeOf = (paths: string[][]): Range => {
    for (const path of paths) {
      const span = keySpan(analysis.yaml, path);
      if (span) return { start: doc.positionAt(span[0]), end: doc.positionAt(span[1]) };
    }
    return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  };
  const lr = [['optim', 'lr'], ['optim']];
  if (latest.status === 'diverged' || latest.status === 'failed') {
    const reason = latest.statusReason ?? latest.error ?? 'no message';
    return [
      {
        range: rangeOf(latest.status === 'diverged' ? lr : [['name']]),
        severity: DiagnosticSeverity.Warning,
        code: latest.status === 'diverged' ? 'run-diverged' : 'run-failed',
        source: diagnosticSource,
        message: `run ${latest.id} ${latest.status} at step ${latest.step}: ${reason}`,
        data: { runDir: latest.dir, step: latest.step },
      },
    ];
  }
  if (latest.diverging) {
    return [
      {
        range: rangeOf(lr),
        severity: DiagnosticSeverity.Warning,
        code: 'run-diverging',
        source: diagnosticSource,
        message: `run ${latest.id} is ${divergingText(latest.diverging)}; try a lower optim.lr`,
        data: { runDir: latest.dir, step: latest.diverging.toStep },
      },
    ];
  }
  return [];
}

// Diagnostics from outcomes: when the newest run of an open config diverged or failed, a warning
// on the responsible line — `optim.lr` for a diverged run (a non-finite loss), the `name` line
// (else line 0) for a failed one — naming the run, the step and the trainer's message.
import { type Diagnostic, DiagnosticSeverity, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { diagnosticSource } from './diagnosticSource.js';
import { analyze } from './documents.js';
import type { RunIndex } from '../runs/runIndex.js';
import { keySpan } from './yamlPosition.js';

export function outcomeDiagnostics(doc: TextDocument, runs: RunIndex): Diagnostic[] {
  const analysis = analyze(doc);
  const config = analysis.result.config;
  if (!config) return [];
  const latest = runs.runsOf(config.runsDir, config.name)[0];
  if (!latest || (latest.status !== 'diverged' && latest.status !== 'failed')) return [];
  const paths = latest.status === 'diverged' ? [['optim', 'lr'], ['optim']] : [['name']];
  let range: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  for (const path of paths) {
    const span = keySpan(analysis.yaml, path);
    if (span) {
      range = { start: doc.positionAt(span[0]), end: doc.positionAt(span[1]) };
      break;
    }
  }
  const reason = latest.statusReason ?? latest.error ?? 'no message';
  return [
    {
      range,
      severity: DiagnosticSeverity.Warning,
      code: latest.status === 'diverged' ? 'run-diverged' : 'run-failed',
      source: diagnosticSource,
      message: `run ${latest.id} ${latest.status} at step ${latest.step}: ${reason}`,
      data: { runDir: latest.dir, step: latest.step },
    },
  ];
}

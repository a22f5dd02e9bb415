// A warning on `optim.lr` outside the range where AdamW's peak learning rate usually trains a
// transformer. The schema accepts (0, 10]; this is advice, not a rule, so the trainer runs such a
// config as written.
//
// Why 1e-5 to 1e-2: Adam's step moves each weight by about lr at most, whatever the gradient's
// scale (Kingma & Ba 2015, §2.1: |Δθ| ≲ α), and the weights start at 0.02 (cls token, positions)
// to 1/√fan-in (≈ 0.07 for width 192; trainer/model/parameters.ts). Above 1e-2 a handful of steps
// outweigh the initialisation, and the loss tends to blow up; below 1e-5 a thousand steps move a
// weight by at most 0.01, so a short run barely trains. The CRATE-α paper trains at 8e-4 and
// fine-tunes at 1.6e-4 with AdamW (Yang et al. 2024, §4.1, "Training & fine-tuning"); the examples use 2e-3.
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { diagnosticSource } from './diagnosticSource.js';
import { analyze } from './documents.js';
import { scalarAt } from './yamlPosition.js';

/** The plausible peak learning rates of AdamW, inclusive. */
export const plausibleLearningRate = { min: 1e-5, max: 1e-2 } as const;

export function learningRateDiagnostics(doc: TextDocument): Diagnostic[] {
  const { result, yaml } = analyze(doc);
  const lr = result.config?.optim.lr;
  const written = scalarAt(yaml, ['optim', 'lr']);
  if (lr === undefined || !written || (lr >= plausibleLearningRate.min && lr <= plausibleLearningRate.max)) return [];
  const why =
    lr > plausibleLearningRate.max
      ? 'AdamW moves each weight by up to about lr per step, so a few steps outweigh the initial weights (0.02–0.1) and training tends to diverge'
      : 'AdamW moves each weight by at most about lr per step, so the weights (0.02–0.1 at the start) barely move';
  return [
    {
      range: { start: doc.positionAt(written.span[0]), end: doc.positionAt(written.span[1]) },
      severity: DiagnosticSeverity.Warning,
      code: 'lr-range',
      source: diagnosticSource,
      message: `learning rate ${lr} is outside AdamW's usual range of 1e-5 to 1e-2: ${why} (Kingma & Ba 2015; the CRATE-α paper trains at 8e-4)`,
      data: { path: 'optim.lr' },
    },
  ];
}

// Inlay hints at the end of the `model:` key's line, once the config resolves: the model's
// parameter count and forward FLOPs per image, and the estimated time per epoch when a run of the
// same cost shape has measured its throughput (from the run manager's index).
import { type InlayHint, MarkupKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from './documents.js';
import { epochEstimate, formatDuration } from './epochTime.js';
import { compactNumber, figuresLabel, figuresMarkdown, groupedNumber, modelFigures } from './modelFigures.js';
import type { RunIndex } from '../runs/runIndex.js';
import { keySpan } from './yamlPosition.js';

export function inlayHints(doc: TextDocument, index: RunIndex): InlayHint[] {
  const { yaml, result } = analyze(doc);
  if (!result.config) return [];
  const key = keySpan(yaml, ['model']);
  if (!key) return [];
  const line = doc.positionAt(key[0]).line;
  const lineText = doc.getText().split('\n')[line].replace(/\r$/, '');
  const figures = modelFigures(result.config);
  const label = [figuresLabel(figures)];
  const tooltip = [figuresMarkdown(result.config, figures)];
  const epoch = epochEstimate(result.config, index);
  if (epoch) {
    const { run, imagesPerSecond } = epoch.measured;
    label.push(`≈ ${formatDuration(epoch.seconds)}/epoch`);
    tooltip.push(
      `**Time per epoch** ≈ ${formatDuration(epoch.seconds)}: ${groupedNumber(epoch.images)} training images at ${compactNumber(Math.round(imagesPerSecond))} images/s, ` +
        `the last throughput of run \`${run.id}\` (same model shape and batch size; ${run.backend || 'backend unknown'}, step ${run.step}).`,
    );
  }
  return [
    {
      position: { line, character: lineText.length },
      label: label.join(' · '),
      paddingLeft: true,
      tooltip: { kind: MarkupKind.Markdown, value: tooltip.join('\n\n') },
    },
  ];
}

// Inlay hints at the end of the `model:` key's line, once the config resolves: the model's
// parameter count and forward FLOPs per image, and (a hint of its own) the estimated time per
// epoch when a run of the same cost shape has measured its throughput (from the run manager's
// index). At the end of the `sweep:` line: the number of members and, when every member's shape
// has a measured run, the estimated total time (sweepTime.ts).
// Labels stay short (at most about 30 characters each): VS Code cuts a longer label off
// (`editor.inlayHints.maximumLength`, 43 by default); the details are in each hint's tooltip.
import { type InlayHint, MarkupKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from './documents.js';
import { epochEstimate, formatDuration } from './epochTime.js';
import { compactNumber, figuresLabel, figuresMarkdown, groupedNumber, modelFigures } from './modelFigures.js';
import type { RunIndex } from '../runs/runIndex.js';
import { sweepEstimate } from './sweepTime.js';
import type { ResolvedConfig } from '../../trainer/config/index.js';
import { type SweepPlan, sweepMemberLimit } from '../../trainer/sweep/expand.js';
import { keySpan } from './yamlPosition.js';

export function inlayHints(doc: TextDocument, index: RunIndex): InlayHint[] {
  const { yaml, result } = analyze(doc);
  if (!result.config) return [];
  const key = keySpan(yaml, ['model']);
  if (!key) return [];
  const hints = modelHints(doc, key[0], result.config, index);
  const sweepKey = keySpan(yaml, ['sweep']);
  if (sweepKey && result.sweep) hints.push(sweepHint(doc, sweepKey[0], result.sweep, index));
  return hints;
}

/** The position at the end of the line of document offset `offset`. */
function endOfLine(doc: TextDocument, offset: number) {
  const line = doc.positionAt(offset).line;
  const lineText = doc.getText().split('\n')[line].replace(/\r$/, '');
  return { line, character: lineText.length };
}

function sweepHint(doc: TextDocument, offset: number, plan: SweepPlan, index: RunIndex): InlayHint {
  const label = [`${groupedNumber(plan.count)} runs`];
  const tooltip = [`**Sweep** of ${groupedNumber(plan.count)} members, varying ${plan.varying.map((p) => `\`${p}\``).join(', ')}.`];
  if (!plan.members) {
    label.push(`(max ${groupedNumber(sweepMemberLimit)})`);
    tooltip.push(`Over the limit of ${groupedNumber(sweepMemberLimit)} members: \`crate-lab sweep\` refuses it.`);
  } else {
    const estimate = sweepEstimate(plan.members, index);
    if (estimate.estimated === plan.members.length && plan.members.length > 0) {
      label.push(`≈ ${formatDuration(estimate.seconds)} in all`);
      tooltip.push(
        `**Total time** ≈ ${formatDuration(estimate.seconds)}: each member's steps × batch size at the last throughput of a run of its shape ` +
          `(${estimate.measured.map((m) => `\`${m.run.id}\` ${compactNumber(Math.round(m.imagesPerSecond))} images/s`).join(', ')}). ` +
          'On one machine the members that train at once share its cores, so `--parallel` does not shorten it much.',
      );
    } else {
      tooltip.push(`No total time: ${plan.members.length - estimate.estimated} of ${plan.members.length} members have no measured run of their model shape and batch size (or train for an unknown number of steps).`);
    }
  }
  return { position: endOfLine(doc, offset), label: label.join(plan.members ? ' · ' : ' '), paddingLeft: true, tooltip: { kind: MarkupKind.Markdown, value: tooltip.join('\n\n') } };
}

/** The figures hint and, when a run of the same cost shape measured its throughput, the time-per-epoch hint. */
function modelHints(doc: TextDocument, offset: number, config: ResolvedConfig, index: RunIndex): InlayHint[] {
  const position = endOfLine(doc, offset);
  const figures = modelFigures(config);
  const hints: InlayHint[] = [
    {
      position,
      label: figuresLabel(figures),
      paddingLeft: true,
      tooltip: { kind: MarkupKind.Markdown, value: figuresMarkdown(config, figures) },
    },
  ];
  const epoch = epochEstimate(config, index);
  if (epoch) {
    const { run, imagesPerSecond } = epoch.measured;
    hints.push({
      position,
      label: `≈ ${formatDuration(epoch.seconds)}/epoch`,
      paddingLeft: true,
      tooltip: {
        kind: MarkupKind.Markdown,
        value:
          `**Time per epoch** ≈ ${formatDuration(epoch.seconds)}: ${groupedNumber(epoch.images)} training images at ${compactNumber(Math.round(imagesPerSecond))} images/s, ` +
          `the last throughput of run \`${run.id}\` (same model shape and batch size; ${run.backend || 'backend unknown'}, step ${run.step}).`,
      },
    });
  }
  return hints;
}

// Inlay hints: the model's parameter count and forward FLOPs per image at the end of the
// `model:` key's line, once the config resolves.
import { type InlayHint, MarkupKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from './documents.js';
import { figuresLabel, figuresMarkdown, modelFigures } from './modelFigures.js';
import { keySpan } from './yamlPosition.js';

export function inlayHints(doc: TextDocument): InlayHint[] {
  const { yaml, result } = analyze(doc);
  if (!result.config) return [];
  const key = keySpan(yaml, ['model']);
  if (!key) return [];
  const line = doc.positionAt(key[0]).line;
  const lineText = doc.getText().split('\n')[line].replace(/\r$/, '');
  const figures = modelFigures(result.config);
  // TODO(run manager): append "≈ T/epoch" from the last measured images/s of a run with the same
  // model shape (and backend), when the run manager's index has one.
  return [
    {
      position: { line, character: lineText.length },
      label: figuresLabel(figures),
      paddingLeft: true,
      tooltip: { kind: MarkupKind.Markdown, value: figuresMarkdown(result.config, figures) },
    },
  ];
}

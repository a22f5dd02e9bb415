// Quick fixes for the config's diagnostics, from what the diagnostic carries (diagnostics.ts,
// DiagnosticData): a divisibility rule's nearest valid values ("Set heads to 4", "Set width to
// 99"), and a typo's "did you mean" replacement. A field the text does not write (a size preset's
// width) is added to its mapping, block or flow, after the last field there.
import { type CodeAction, CodeActionKind, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isScalar, type Node } from 'yaml';
import type { DiagnosticData } from './diagnostics.js';
import { analyze } from './documents.js';
import { mappingAt, scalarAt } from './yamlPosition.js';

export function codeActions(doc: TextDocument, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    const data = diagnostic.data as Partial<DiagnosticData> | undefined;
    if (typeof data?.suggestion === 'string') {
      actions.push(quickFix(doc, `Change to "${data.suggestion}"`, diagnostic, { range: diagnostic.range, newText: data.suggestion }, true));
    }
    if (!Array.isArray(data?.fixes)) continue;
    data.fixes.forEach((fix, i) => {
      const edit = setField(doc, fix.path.split('.'), String(fix.value));
      if (edit) actions.push(quickFix(doc, `Set ${fix.path.split('.').at(-1)} to ${fix.value}`, diagnostic, edit, i === 0));
    });
  }
  return actions;
}

function quickFix(doc: TextDocument, title: string, diagnostic: Diagnostic, edit: TextEdit, isPreferred: boolean): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred, edit: { changes: { [doc.uri]: [edit] } } };
}

/** The edit that makes the field at `path` read `value`: its scalar replaced, or a new entry after its mapping's last. */
function setField(doc: TextDocument, path: string[], value: string): TextEdit | undefined {
  const { yaml, text } = analyze(doc);
  const written = scalarAt(yaml, path);
  if (written) return { range: { start: doc.positionAt(written.span[0]), end: doc.positionAt(written.span[1]) }, newText: value };
  const map = mappingAt(yaml, path.slice(0, -1));
  const last = map?.items.at(-1);
  const lastKey = last?.key as Node | undefined;
  const lastValue = last?.value as Node | undefined;
  if (!map || !isScalar(lastKey) || !lastKey.range || !lastValue?.range) return undefined;
  const key = path[path.length - 1];
  if (map.flow) {
    const at = doc.positionAt(lastValue.range[1]);
    return { range: { start: at, end: at }, newText: `, ${key}: ${value}` };
  }
  // A block mapping: a line of its own at the keys' indentation, after the last entry's line
  // (past any comment on it).
  const firstKey = doc.positionAt((map.items[0].key as Node).range![0]);
  let end = lastValue.range[1];
  while (end > 0 && text[end - 1] === '\n') end--;
  const line = doc.positionAt(end).line;
  const lineText = text.split('\n')[line].replace(/\r$/, '');
  const at = { line, character: lineText.length };
  return { range: { start: at, end: at }, newText: `\n${' '.repeat(firstKey.character)}${key}: ${value}` };
}

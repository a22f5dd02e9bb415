// Completion of keys (those of the mapping the cursor is in, minus the ones already written), of
// enumerated values (arch, size, backend, data kind, booleans, "epoch", …), documented from the
// schema, and of numeric values whose valid set is small (numericChoices.ts: heads, patch, depth).
import { type CompletionItem, CompletionItemKind, InsertTextFormat, MarkupKind, type Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { childFields, fieldDoc } from '../../trainer/config/index.js';
import { dataKindOf } from './documentFacts.js';
import { analyze } from './documents.js';
import { enumeratedValues, fieldMarkdown } from './fieldMarkdown.js';
import { numericChoices } from './numericChoices.js';
import { completionSite } from './yamlPosition.js';

export function completions(doc: TextDocument, position: Position): CompletionItem[] {
  const { text, yaml } = analyze(doc);
  const offset = doc.offsetAt(position);
  const site = completionSite(text, offset);
  if (!site) return [];
  const kind = dataKindOf(yaml);
  const range = { start: doc.positionAt(site.span[0]), end: doc.positionAt(site.span[1]) };

  if (site.kind === 'key') {
    const present = new Set(site.present);
    return childFields(site.parent.join('.'), kind)
      .filter((f) => !present.has(f.key))
      .map((f, i): CompletionItem => {
        const isSection = f.values.some((v) => v.type === 'mapping');
        // In a block mapping a section opens an indented block below its key; anything else
        // takes its value on the same line.
        const newText = isSection && !site.flow ? `${f.key}:\n${site.indent}  ` : `${f.key}: `;
        return {
          label: f.key,
          kind: isSection ? CompletionItemKind.Module : CompletionItemKind.Property,
          detail: f.path,
          documentation: { kind: MarkupKind.Markdown, value: fieldMarkdown(f) },
          textEdit: { range, newText },
          insertTextFormat: InsertTextFormat.PlainText,
          // Schema order (required and important fields first) rather than alphabetical.
          sortText: String(i).padStart(3, '0'),
        };
      });
  }

  const field = fieldDoc(site.path.join('.'), kind);
  if (!field) return [];
  const numbers = numericChoices(field.path, yaml);
  if (numbers) {
    return numbers.map(
      ({ value, detail }, i): CompletionItem => ({
        label: String(value),
        kind: CompletionItemKind.Value,
        detail,
        textEdit: { range, newText: String(value) },
        // Numeric order, not the text's ("12" before "2").
        sortText: String(i).padStart(4, '0'),
      }),
    );
  }
  return enumeratedValues(field).map(
    (value, i): CompletionItem => ({
      label: value,
      kind: CompletionItemKind.EnumMember,
      detail: field.path,
      documentation: field.valueDescriptions?.[value] ? { kind: MarkupKind.Markdown, value: field.valueDescriptions[value] } : undefined,
      textEdit: { range, newText: value },
      sortText: String(i).padStart(3, '0'),
    }),
  );
}

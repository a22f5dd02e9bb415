// Hover: on any key, the field's meaning, default and range; on `model.size` or `model.arch` (the
// key or its value), the Table 4 row(s) and this config's own parameter count and FLOPs per image.
import { type Hover, MarkupKind, type Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { fieldDoc } from '../../trainer/config/index.js';
import { sizeIds } from '../../trainer/model/architecture.js';
import { dataKindOf } from './documentFacts.js';
import { analyze } from './documents.js';
import { fieldMarkdown } from './fieldMarkdown.js';
import { figuresMarkdown, isSize, modelFigures, table4Markdown } from './modelFigures.js';
import { placeAt, scalarAt } from './yamlPosition.js';

export function hover(doc: TextDocument, position: Position): Hover | null {
  const { yaml, result } = analyze(doc);
  const place = placeAt(yaml, doc.offsetAt(position));
  if (!place) return null;
  const path = place.path.join('.');
  const field = fieldDoc(path, dataKindOf(yaml));
  if (!field) return null;
  const range = { start: doc.positionAt(place.span[0]), end: doc.positionAt(place.span[1]) };

  const sections = [`**${field.path}**\n\n${fieldMarkdown(field)}`];
  if (path === 'model.size' || path === 'model.arch') {
    // size: its own row (the value written, also when the key is hovered); arch: the whole table,
    // since the two parameter columns are per arch.
    const size = place.at === 'value' ? place.value : scalarAt(yaml, ['model', 'size'])?.value;
    const sizes = path === 'model.size' ? (isSize(size) ? [size] : []) : sizeIds;
    if (sizes.length) sections.push(table4Markdown(sizes));
    // The figures need the resolved shape (dataset geometry, overrides): only for a valid config.
    if (result.config) sections.push(figuresMarkdown(result.config, modelFigures(result.config)));
    else sections.push('_This config’s parameter count and FLOPs appear once it has no errors._');
  }
  return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') }, range };
}

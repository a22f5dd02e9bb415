// What is at a position of a run config. Two readers, because they serve different moments:
// - placeAt walks the YAML tree (with source ranges) for hover and inlay hints, where the text is
//   usually complete;
// - completionSite reads the lines above the cursor, because while a key is being typed the text
//   is often not valid YAML and the tree does not say which mapping the cursor is in.
import { type Document, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

/** Source offsets [start, end) in the document text. */
export type Span = [number, number];

export type Place =
  | { at: 'key'; path: string[]; span: Span }
  | { at: 'value'; path: string[]; span: Span; value: unknown };

const contains = (span: readonly number[] | undefined | null, offset: number): boolean =>
  !!span && offset >= span[0] && offset <= span[1];

/** The key or scalar value under `offset`, with the dotted path of its field. */
export function placeAt(doc: Document, offset: number): Place | undefined {
  let node: unknown = doc.contents;
  const path: string[] = [];
  for (;;) {
    if (isMap(node)) {
      let next: unknown;
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key) || !pair.key.range) continue;
        const key = String(pair.key.value);
        if (contains(pair.key.range, offset)) return { at: 'key', path: [...path, key], span: [pair.key.range[0], pair.key.range[1]] };
        const value = pair.value as Node | null;
        // range[1] is where the value ends, before any trailing comment or blank lines.
        if (value && contains(value.range?.slice(0, 2), offset)) {
          path.push(key);
          next = value;
          break;
        }
      }
      if (next === undefined) return undefined;
      node = next;
    } else if (isSeq(node)) {
      // List elements have no fields of their own (srr.layers): they belong to the list's path.
      const item = node.items.find((i) => isScalar(i) && contains(i.range, offset));
      return isScalar(item) && item.range ? { at: 'value', path, span: [item.range[0], item.range[1]], value: item.value } : undefined;
    } else if (isScalar(node) && node.range) {
      return path.length > 0 ? { at: 'value', path, span: [node.range[0], node.range[1]], value: node.value } : undefined;
    } else return undefined;
  }
}

/** The span of the key of the field at `path`, when the text has it. */
export function keySpan(doc: Document, path: readonly string[]): Span | undefined {
  let node: unknown = doc.contents;
  let span: Span | undefined;
  for (const seg of path) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
    if (!pair || !isScalar(pair.key) || !pair.key.range) return undefined;
    span = [pair.key.range[0], pair.key.range[1]];
    node = pair.value;
  }
  return span;
}

export type CompletionSite =
  /** A key of the mapping at `parent` is being typed over `span`; `present` are its keys already written. */
  | { kind: 'key'; parent: string[]; present: string[]; span: Span; indent: string; flow: boolean }
  /** The value of the field at `path` is being typed over `span`. */
  | { kind: 'value'; path: string[]; span: Span };

const keyName = String.raw`[A-Za-z_][\w.-]*`;
/** `  key:` with nothing after it but a comment: a block mapping opens below. */
const blockKeyLine = new RegExp(String.raw`^(\s*)(${keyName})\s*:\s*(#.*)?$`);
const anyKeyLine = new RegExp(String.raw`^(\s*)(${keyName})\s*:`);
const indentOf = (line: string): number => /^ */.exec(line)![0].length;
const isBlank = (line: string): boolean => /^\s*(#.*)?$/.test(line);

/** The keys of the block mappings that enclose a line indented by `indent`, outermost first. */
function enclosingKeys(lines: readonly string[], lineNo: number, indent: number): string[] | undefined {
  const path: string[] = [];
  let current = indent;
  for (let i = lineNo - 1; i >= 0 && current > 0; i--) {
    const line = lines[i];
    if (isBlank(line) || indentOf(line) >= current) continue;
    const m = blockKeyLine.exec(line);
    // A less indented line that opens no mapping (a list item, a scalar field): the cursor's
    // indentation fits no mapping, so nothing sensible can be proposed.
    if (!m) return undefined;
    path.unshift(m[2]);
    current = m[1].length;
  }
  return path;
}

/** The keys written at `indent` in the block mapping around line `lineNo`. */
function siblingKeys(lines: readonly string[], lineNo: number, indent: number): string[] {
  const keys: string[] = [];
  const scan = (from: number, step: 1 | -1) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const line = lines[i];
      if (isBlank(line)) continue;
      const lineIndent = indentOf(line);
      if (lineIndent < indent) return;
      const m = anyKeyLine.exec(line);
      if (lineIndent === indent && m) keys.push(m[2]);
    }
  };
  scan(lineNo - 1, -1);
  scan(lineNo + 1, 1);
  return keys;
}

/** What is being typed at `offset`: a key (block or single-line flow mapping) or a value. */
export function completionSite(text: string, offset: number): CompletionSite | undefined {
  const lines = text.split('\n');
  const before = text.slice(0, offset);
  const lineNo = before.split('\n').length - 1;
  const lineStart = before.lastIndexOf('\n') + 1;
  const prefix = before.slice(lineStart);
  const lineIndent = indentOf(prefix);

  // Inside a one-line flow mapping: `model: {arch: crate-alpha, si|`.
  const flow = new RegExp(String.raw`^(\s*)(${keyName})\s*:\s*\{([^{}]*)$`).exec(prefix);
  if (flow) {
    const outer = enclosingKeys(lines, lineNo, flow[1].length);
    if (!outer) return undefined;
    const parent = [...outer, flow[2]];
    const segment = flow[3].slice(flow[3].lastIndexOf(',') + 1);
    const value = new RegExp(String.raw`^\s*(${keyName})\s*:\s*([^\s,]*)$`).exec(segment);
    if (value) return { kind: 'value', path: [...parent, value[1]], span: [offset - value[2].length, offset] };
    const key = /^\s*([\w.-]*)$/.exec(segment);
    if (!key) return undefined;
    const present = [...lines[lineNo].slice(prefix.indexOf('{') + 1).matchAll(new RegExp(String.raw`(?:^|,)\s*(${keyName})\s*:`, 'g'))].map((m) => m[1]);
    return { kind: 'key', parent, present, span: [offset - key[1].length, offset], indent: '', flow: true };
  }

  // A value after `key:` on a block mapping line.
  const value = new RegExp(String.raw`^(\s*)(${keyName})\s*:\s+([^\s#{}\[\],]*)$`).exec(prefix);
  if (value) {
    const outer = enclosingKeys(lines, lineNo, value[1].length);
    return outer ? { kind: 'value', path: [...outer, value[2]], span: [offset - value[3].length, offset] } : undefined;
  }

  // A key (or the start of one) on a line of its own.
  const key = /^(\s*)([\w.-]*)$/.exec(prefix);
  if (key) {
    const parent = enclosingKeys(lines, lineNo, lineIndent);
    if (!parent) return undefined;
    return { kind: 'key', parent, present: siblingKeys(lines, lineNo, lineIndent), span: [offset - key[2].length, offset], indent: key[1], flow: false };
  }
  return undefined;
}

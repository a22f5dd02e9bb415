// What is at a position of a run config. Two readers, because they serve different moments:
// - placeAt walks the YAML tree (with source ranges) for hover and inlay hints, where the text is
//   usually complete;
// - completionSite reads the text itself (the lines above the cursor; inside a flow mapping, its
//   brackets, quotes and commas, and its keys after the cursor too), because while a key is being
//   typed the text is often not valid YAML and the tree does not say which mapping the cursor is in.
import { type Document, isMap, isPair, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';

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

/** The key and value nodes of the field at `path`, when the text has it. */
function pairAt(doc: Document, path: readonly string[]): { key: Node; value: unknown } | undefined {
  let node: unknown = doc.contents;
  let found: { key: Node; value: unknown } | undefined;
  for (const seg of path) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
    if (!pair || !isScalar(pair.key)) return undefined;
    found = { key: pair.key, value: pair.value };
    node = pair.value;
  }
  return found;
}

/** The mapping at `path` ([] for the document's own), when the text has one there. */
export function mappingAt(doc: Document, path: readonly string[]): YAMLMap | undefined {
  const node = path.length === 0 ? doc.contents : pairAt(doc, path)?.value;
  return isMap(node) ? node : undefined;
}

/** The span of the key of the field at `path`, when the text has it. */
export function keySpan(doc: Document, path: readonly string[]): Span | undefined {
  const range = pairAt(doc, path)?.key.range;
  return range ? [range[0], range[1]] : undefined;
}

/** The span and value of the field at `path` when it is a scalar (a string, number, …). */
export function scalarAt(doc: Document, path: readonly string[]): { span: Span; value: unknown } | undefined {
  const value = pairAt(doc, path)?.value;
  return isScalar(value) && value.range ? { span: [value.range[0], value.range[1]], value: value.value } : undefined;
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

/** A flow collection open at some point of the text. */
interface FlowFrame {
  open: '{' | '[';
  /** The key this collection is the value of (undefined for a list item or an odd spot). */
  key: string | undefined;
  /** Where the entry being written starts: after the opener or the last comma. */
  entryStart: number;
  /** The keys written in this mapping, before and after the cursor. */
  keys: string[];
}

/** `  key: {` or `  key: [` on a block line: a flow collection opens as the key's value. */
const flowOpenerLine = new RegExp(String.raw`^( *)(${keyName})\s*:\s*([{[])`);
const keyBeforeOpener = new RegExp(String.raw`^\s*(${keyName})\s*:\s*$`);
const keyBeforeColon = new RegExp(String.raw`^\s*(${keyName})\s*$`);

/**
 * Scans the flow collection opened at `from` (just after its bracket) to its end: its closing
 * bracket, or the first line that is not indented past the opener's line (YAML ends it there; a
 * line starting with the closing bracket may sit at the opener's indentation). Quotes and comments
 * are skipped. `frames` is the stack of open collections at `offset` when the offset lies inside,
 * [] when it lies in a quoted string or comment there; their `keys` include those after the cursor.
 */
function scanFlow(text: string, from: number, first: FlowFrame, indent: number, offset: number): { end: number; frames?: FlowFrame[]; entryStart: number } {
  const stack: FlowFrame[] = [first];
  let frames: FlowFrame[] | undefined;
  /** Where the entry at the cursor starts (the frame's own moves on with later commas). */
  let entryStart = from;
  let i = from;
  const skipTo = (to: number) => {
    if (frames === undefined && offset > i && offset <= to) frames = []; // inside a string or comment
    i = to;
  };
  for (; stack.length > 0; i++) {
    if (i === offset && frames === undefined) {
      frames = [...stack];
      entryStart = stack[stack.length - 1].entryStart;
    }
    if (i >= text.length) break;
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c === '"' && text[j] === '\\' ? 2 : 1;
      skipTo(Math.min(j, text.length));
    } else if (c === '#' && /\s/.test(text[i - 1] ?? ' ')) {
      const eol = text.indexOf('\n', i);
      skipTo((eol < 0 ? text.length : eol) - 1);
    } else if (c === '\n') {
      const next = text.slice(i + 1, text.indexOf('\n', i + 1) < 0 ? text.length : text.indexOf('\n', i + 1));
      if (!/^\s*(#.*)?$/.test(next) && indentOf(next) <= indent && !/^\s*[}\]]/.test(next)) break;
    } else if (c === '{' || c === '[') {
      stack.push({ open: c, key: keyBeforeOpener.exec(text.slice(top.entryStart, i))?.[1], entryStart: i + 1, keys: [] });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      top.entryStart = i + 1;
    } else if (c === ':') {
      const key = keyBeforeColon.exec(text.slice(top.entryStart, i))?.[1];
      if (key && top.open === '{') top.keys.push(key);
    }
  }
  return { end: i, frames, entryStart };
}

/**
 * The completion site inside a flow mapping (`model: {arch: crate-alpha, si|` or the same over
 * several lines); 'block' when `offset` is not inside a flow collection; undefined when it is but
 * nothing can be proposed there (a list, a string, a comment, a nested entry without a key).
 */
function flowCompletionSite(text: string, offset: number): CompletionSite | undefined | 'block' {
  const lines = text.split('\n');
  let lineStart = 0;
  for (let lineNo = 0; lineNo < lines.length && lineStart <= offset; ) {
    const m = flowOpenerLine.exec(lines[lineNo]);
    const from = lineStart + (m ? m[0].length : 0);
    if (!m || from > offset) {
      lineStart += lines[lineNo].length + 1;
      lineNo++;
      continue;
    }
    const indent = m[1].length;
    const { end, frames, entryStart } = scanFlow(text, from, { open: m[3] as '{' | '[', key: m[2], entryStart: from, keys: [] }, indent, offset);
    if (frames === undefined) {
      // The collection ended before the cursor: carry on from the line after the one it ended on.
      lineNo = text.slice(0, end).split('\n').length;
      lineStart = lines.slice(0, lineNo).reduce((n, l) => n + l.length + 1, 0);
      continue;
    }
    if (frames.length === 0 || frames.some((f) => f.open !== '{' || f.key === undefined)) return undefined;
    const outer = enclosingKeys(lines, lineNo, indent);
    if (!outer) return undefined;
    const parent = [...outer, ...frames.map((f) => f.key!)];
    const inner = frames[frames.length - 1];
    const entry = text.slice(entryStart, offset);
    const value = new RegExp(String.raw`^\s*(${keyName})\s*:\s*([^\s,]*)$`).exec(entry);
    if (value) return { kind: 'value', path: [...parent, value[1]], span: [offset - value[2].length, offset] };
    const key = /^\s*([\w.-]*)$/.exec(entry);
    if (!key) return undefined;
    return { kind: 'key', parent, present: inner.keys, span: [offset - key[1].length, offset], indent: '', flow: true };
  }
  return 'block';
}

/** What is being typed at `offset`: a key (block or flow mapping, over one line or several) or a value. */
export function completionSite(text: string, offset: number): CompletionSite | undefined {
  const lines = text.split('\n');
  const before = text.slice(0, offset);
  const lineNo = before.split('\n').length - 1;
  const lineStart = before.lastIndexOf('\n') + 1;
  const prefix = before.slice(lineStart);
  const lineIndent = indentOf(prefix);

  const flow = flowCompletionSite(text, offset);
  if (flow !== 'block') return flow;

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

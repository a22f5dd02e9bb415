// The YAML side: parse the text, report syntax errors with their own ranges, and find the source
// range of any key path so that a Problem lands on the key or value it is about.
// Every step is linear in the text: hostile documents (a 40,000-key map, thousands of duplicate
// keys, alias chains, a million nested brackets) are refused or reported in bounded time (issue 11).
import { type Alias, type Document, isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import type { Diagnostic, PathSegment, Range } from './diagnostics.js';

export interface YamlSource {
  /** The YAML tree with source ranges (empty for a refused text), for "what is at this position". */
  tree: Document;
  /** The document as plain data; undefined when it has syntax errors. */
  value: unknown;
  syntax: Diagnostic[];
  /** The range of the key or value at a path; for a path that is not in the text, the nearest key above it. */
  locate(path: readonly PathSegment[], at: 'key' | 'value'): Range;
}

/** yaml's wording where it names its own API; the rest of its messages read well as they are. */
const rewordings: Record<string, string> = {
  MULTIPLE_DOCS: 'a run config is one YAML document: remove the "---" and what follows',
};

/**
 * The largest config read, in UTF-16 code units (about bytes for a config's ASCII). Real configs
 * are under 2 KB; 256 KB leaves a hundredfold margin while keeping a parse well under a second.
 */
export const maxConfigLength = 256 * 1024;
/** Flow brackets ([ {) open at once; the parser recurses per level (10^6 levels overflow its stack). */
export const maxFlowDepth = 64;
/** Aliases in one config (configs rarely use any); each may expand, and yaml resolves each by a walk of the tree. */
export const maxAliases = 100;
/** Diagnostics (syntax ones, then schema ones) listed one by one; the rest are summed up in one more. */
export const maxListedDiagnostics = 20;

const startRange: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A YAML source with nothing in it but one error on its first character. */
function refused(message: string): YamlSource {
  return { tree: parseDocument(''), value: undefined, syntax: [{ message, severity: 'error', code: 'syntax', path: '', range: startRange }], locate: () => startRange };
}

/** Why the text is not even parsed (too long, too deeply nested), or undefined. */
export function refusal(text: string): string | undefined {
  if (text.length > maxConfigLength) return `the config is ${text.length} characters long; a run config is at most ${maxConfigLength} (256 KB)`;
  const depth = flowDepth(text);
  if (depth > maxFlowDepth) return `brackets nest ${depth.toLocaleString('en-US')} levels deep; a run config nests at most ${maxFlowDepth}`;
  return undefined;
}

/**
 * The deepest nesting of flow brackets, skipping comments and quoted strings. A rough reading of
 * YAML (a quote inside a plain scalar starts no string) that only needs to be right about depth.
 */
function flowDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const boundary = i === 0 || ' \t\n\r[{,:'.includes(text[i - 1]);
    if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === '#' && boundary) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol;
    } else if ((c === '"' || c === "'") && boundary) {
      // To the closing quote ("" and '' escapes close and reopen, which counts the same).
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c === '"' && text[j] === '\\' ? 2 : 1;
      i = j;
    }
  }
  return deepest;
}

export function readYaml(text: string): YamlSource {
  const why = refusal(text);
  if (why) return refused(why);
  const lines = new LineCounter();
  // Duplicate keys are found below in one pass: yaml's own check compares each key with every other.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });

  const rangeOf = (start: number, end: number): Range => {
    const clamp = (o: number) => Math.max(0, Math.min(o, text.length));
    const position = (o: number) => {
      const { line, col } = lines.linePos(clamp(o));
      return { line: line - 1, character: col - 1 };
    };
    return { start: position(start), end: position(Math.max(start, end)) };
  };

  const syntax: Diagnostic[] = [];
  const seen = new Set<string>();
  let omitted = 0;
  const add = (severity: 'error' | 'warning', code: string, message: string, [start, end]: [number, number]) => {
    if (syntax.length >= maxListedDiagnostics) {
      omitted++;
      return;
    }
    // The whole extra document would be underlined: its "---" line is enough.
    const eol = text.indexOf('\n', start);
    if (code === 'MULTIPLE_DOCS' && eol >= 0) end = Math.min(end, eol);
    // yaml places errors such as a missing "]" at the end of the text, where nothing can be
    // underlined: move them back onto the last token.
    if (end <= start || start >= text.length) {
      let i = Math.min(start, text.length) - 1;
      while (i >= 0 && /\s/.test(text[i])) i--;
      if (i >= 0) [start, end] = [i, i + 1];
    }
    const range = rangeOf(start, end);
    // One mistake can trip several checks at one place (an unclosed "[" inside a "{"): report it once.
    const at = `${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
    if (seen.has(at)) return;
    seen.add(at);
    syntax.push({ message: rewordings[code] ?? message, severity, code: 'syntax', path: '', range });
  };
  for (const e of doc.errors) add('error', e.code, e.message, e.pos);
  for (const w of doc.warnings) add('warning', w.code, w.message, w.pos);
  const tree = treeFaults(doc);
  for (const key of tree.duplicateKeys) add('error', 'DUPLICATE_KEY', 'Map keys must be unique', key);
  for (const alias of tree.unresolvedAliases) add('error', 'BAD_ALIAS', `no anchor &${alias.source} before this alias`, [alias.range![0], alias.range![1]]);
  if (tree.extraAlias) add('error', 'TOO_MANY_ALIASES', `more than ${maxAliases} aliases: a run config needs few, if any`, tree.extraAlias);
  // A list, mapping or alias as a key (`? [a]`) is no field name; yaml would stringify it and warn on stderr.
  for (const key of tree.nonScalarKeys) add('error', 'COMPLEX_KEY', 'a key must be a plain name, not a list, mapping or alias', [key.range![0], key.range![1]]);
  // Errors arrive grouped by kind, not in document order: the sum names how many were left out.
  syntax.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  if (omitted > 0) syntax.push({ message: `and ${omitted.toLocaleString('en-US')} more syntax problems`, severity: 'error', code: 'syntax', path: '', range: syntax[syntax.length - 1].range });

  let value: unknown;
  if (!syntax.some((d) => d.severity === 'error')) {
    try {
      value = doc.toJS({ maxAliasCount: maxAliases });
    } catch (e) {
      // e.g. an alias bomb; positions are not known, so the whole text is blamed.
      add('error', 'TO_JS', (e as Error).message, [0, text.length]);
    }
  }

  const nodeRange = (n: Node | null | undefined): Range | undefined =>
    n?.range && n.range[1] > n.range[0] ? rangeOf(n.range[0], n.range[1]) : undefined;

  function locate(path: readonly PathSegment[], at: 'key' | 'value'): Range {
    let node: unknown = doc.contents;
    /** The key (or list item) of the deepest step found so far. */
    let anchor: Range | undefined;
    let found = 0;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        anchor = nodeRange(pair.key as Node) ?? anchor;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        node = node.items[seg];
        anchor = nodeRange(node as Node) ?? anchor;
      } else break;
      found++;
    }
    const valueRange = found === path.length && at === 'value' ? nodeRange(node as Node) : undefined;
    return valueRange ?? anchor ?? firstKeyRange() ?? rangeOf(0, 0);
  }

  /** Where a missing top-level field is reported: on the first key, since it has no line of its own. */
  function firstKeyRange(): Range | undefined {
    const first = isMap(doc.contents) ? doc.contents.items[0] : undefined;
    return first && isScalar(first.key) ? nodeRange(first.key) : nodeRange(doc.contents);
  }

  return { tree: doc, value, syntax, locate };
}

interface TreeFaults {
  /** Spans of keys written a second time in their mapping. */
  duplicateKeys: [number, number][];
  unresolvedAliases: Alias[];
  /** The first alias past maxAliases. */
  extraAlias?: [number, number];
  nonScalarKeys: Node[];
}

/**
 * One walk of the tree, in document order. An alias refers to the nearest anchor of its name
 * before it, so the anchors met so far say whether it resolves (yaml's alias.resolve walks the
 * whole tree each time).
 */
function treeFaults(doc: Document): TreeFaults {
  const faults: TreeFaults = { duplicateKeys: [], unresolvedAliases: [], nonScalarKeys: [] };
  const anchors = new Set<string>();
  let aliases = 0;
  const enter = (node: Node) => {
    if (node.anchor) anchors.add(node.anchor);
  };
  visit(doc, {
    Map(_, map) {
      enter(map);
      const keys = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || !pair.key.range) continue;
        const key = String(pair.key.value);
        if (keys.has(key)) faults.duplicateKeys.push([pair.key.range[0], pair.key.range[1]]);
        keys.add(key);
      }
    },
    Seq(_, seq) {
      enter(seq);
    },
    Scalar(_, scalar) {
      enter(scalar);
    },
    Pair(_, pair) {
      if (isNode(pair.key) && !isScalar(pair.key) && pair.key.range) faults.nonScalarKeys.push(pair.key);
    },
    Alias(_, alias) {
      if (++aliases > maxAliases) {
        faults.extraAlias ??= alias.range ? [alias.range[0], alias.range[1]] : [0, 0];
        return;
      }
      if (!anchors.has(alias.source) && alias.range) faults.unresolvedAliases.push(alias);
    },
  });
  return faults;
}

// The YAML side: parse the text, report syntax errors with their own ranges, and find the source
// range of any key path so that a Problem lands on the key or value it is about.
import { type Alias, type Document, isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import type { Diagnostic, PathSegment, Range } from './diagnostics.js';

export interface YamlSource {
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

export function readYaml(text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });

  const rangeOf = (start: number, end: number): Range => {
    const clamp = (o: number) => Math.max(0, Math.min(o, text.length));
    const position = (o: number) => {
      const { line, col } = lines.linePos(clamp(o));
      return { line: line - 1, character: col - 1 };
    };
    return { start: position(start), end: position(Math.max(start, end)) };
  };

  const syntax: Diagnostic[] = [];
  const add = (severity: 'error' | 'warning', code: string, message: string, [start, end]: [number, number]) => {
    if (code === 'DUPLICATE_KEY') end = keyEndingAt(doc, start) ?? end;
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
    if (syntax.some((d) => JSON.stringify(d.range) === JSON.stringify(range))) return;
    syntax.push({ message: rewordings[code] ?? message, severity, code: 'syntax', path: '', range });
  };
  for (const e of doc.errors) add('error', e.code, e.message, e.pos);
  for (const w of doc.warnings) add('warning', w.code, w.message, w.pos);
  for (const alias of unresolvedAliases(doc)) add('error', 'BAD_ALIAS', `no anchor &${alias.source} before this alias`, [alias.range![0], alias.range![1]]);
  // A list, mapping or alias as a key (`? [a]`) is no field name; yaml would stringify it and warn on stderr.
  for (const key of nonScalarKeys(doc)) add('error', 'COMPLEX_KEY', 'a key must be a plain name, not a list, mapping or alias', [key.range![0], key.range![1]]);

  let value: unknown;
  if (!syntax.some((d) => d.severity === 'error')) {
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
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

  return { value, syntax, locate };
}

/** The end offset of the map key that starts at `start` (yaml marks a duplicate key by its first character). */
function keyEndingAt(doc: Document, start: number): number | undefined {
  let end: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === start) end = pair.key.range[1];
    },
  });
  return end;
}

function nonScalarKeys(doc: Document): Node[] {
  const keys: Node[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isNode(pair.key) && !isScalar(pair.key) && pair.key.range) keys.push(pair.key);
    },
  });
  return keys;
}

function unresolvedAliases(doc: Document): Alias[] {
  const bad: Alias[] = [];
  visit(doc, {
    Alias(_, alias) {
      if (!alias.resolve(doc)) bad.push(alias);
    },
  });
  return bad.filter((a) => a.range);
}

// Which documents are run configs, where they live on disk, and their checked form. The check
// (parseConfig) is cached per document version: diagnostics, hover, inlay hints and code lenses
// of one version share one parse.
import { fileURLToPath } from 'node:url';
import type { Document as YamlDocument } from 'yaml';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ParseResult } from '../../trainer/config/index.js';
import { checkYaml } from '../../trainer/config/parse.js';
import { readYaml, refusal } from '../../trainer/config/yamlSource.js';
import { configSuffix } from '../../protocol/runPredicates.js';

export { isRunConfig } from '../../protocol/runPredicates.js';

/** The file path of a file: URI; other schemes (untitled:) have none. */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export interface Analysis {
  version: number;
  text: string;
  /** parseConfig's verdict: the resolved config when there is no error, and the diagnostics. */
  result: ParseResult;
  /** The YAML tree with source ranges, for "what is at this position". */
  yaml: YamlDocument;
}

const cache = new Map<string, Analysis>();

/**
 * Documents longer than this are analysed in a worker thread of their own (largeDocuments.ts), so
 * that their parse (about 2.6 ms per KB) never delays another document's requests by more than
 * about 40 ms. Real run configs are under 2 KB; the limit of a config is maxConfigLength (256 KB).
 */
export const largeDocumentChars = 16 * 1024;

const largeness = new Map<string, { version: number; large: boolean }>();

/**
 * Whether `doc` is large: longer than largeDocumentChars and parsed (a document refused before
 * parsing, too long or too deeply nested, is answered at once on the main thread).
 */
export function isLarge(doc: TextDocument): boolean {
  const known = largeness.get(doc.uri);
  if (known?.version === doc.version) return known.large;
  const text = doc.getText();
  const large = text.length > largeDocumentChars && refusal(text) === undefined;
  largeness.set(doc.uri, { version: doc.version, large });
  return large;
}

export function analyze(doc: TextDocument): Analysis {
  const cached = cache.get(doc.uri);
  if (cached && cached.version === doc.version) return cached;
  const text = doc.getText();
  const file = filePathOf(doc.uri);
  // Relative paths (data.dir, runsDir) resolve against the config's folder, so file checks
  // need a real location; a document that is not on disk is checked without them.
  // One parse serves the check and the features (a second one doubled the time a big document held the server).
  const source = readYaml(text);
  const result = file ? checkYaml(source, file) : checkYaml(source, `/untitled${configSuffix}`, { files: false });
  const analysis: Analysis = { version: doc.version, text, result, yaml: source.tree };
  cache.set(doc.uri, analysis);
  return analysis;
}

export function forget(uri: string): void {
  cache.delete(uri);
  largeness.delete(uri);
}

// Which documents are run configs, where they live on disk, and their checked form. The check
// (parseConfig) is cached per document version: diagnostics, hover, inlay hints and code lenses
// of one version share one parse.
import { fileURLToPath } from 'node:url';
import type { Document as YamlDocument } from 'yaml';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ParseResult } from '../../trainer/config/index.js';
import { checkYaml } from '../../trainer/config/parse.js';
import { readYaml } from '../../trainer/config/yamlSource.js';
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
}

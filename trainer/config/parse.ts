// parseConfig: the text of a *.crate.yaml to a resolved config and/or diagnostics with ranges.
// The one entry point for the CLI (through load.ts) and the language server alike. It never
// throws on any input text: every mistake becomes a diagnostic.
import { type Diagnostic, type Range, dottedPath } from './diagnostics.js';
import type { FileProbe } from './files.js';
import type { ResolvedConfig } from './resolved.js';
import { resolveConfig } from './resolve.js';
import { maxListedDiagnostics, readYaml, type YamlSource } from './yamlSource.js';
import { type SweepPlan, expandSweep } from '../sweep/expand.js';

export interface ParseOptions {
  /** How to look at the disk (default: the real one); false skips every file-system check. */
  files?: FileProbe | false;
  /** Expand a sweep past its member limit. */
  force?: boolean;
}

export interface ParseResult {
  /** Present exactly when no diagnostic is an error. */
  config?: ResolvedConfig;
  /** In document order. */
  diagnostics: Diagnostic[];
  /** The sweep block's members, when the config has one; a config with a bad sweep has no config. */
  sweep?: SweepPlan;
}

const byPosition = (a: { range: Range }, b: { range: Range }): number =>
  a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;

export function parseConfig(text: string, file: string, options: ParseOptions = {}): ParseResult {
  return checkYaml(readYaml(text), file, options);
}

/** parseConfig of a text already read (the language server keeps the tree for its features). */
export function checkYaml(source: YamlSource, file: string, options: ParseOptions = {}): ParseResult {
  // After a syntax error the data is a guess; checking it would bury the real mistake.
  if (source.value === undefined) return { diagnostics: source.syntax };
  const { config, sweep, problems } = resolveConfig(source.value, { file, files: options.files });
  // Every member of a sweep is checked too; its mistakes are the config's.
  const plan = config && sweep ? expandSweep(source.value as Record<string, unknown>, sweep, { file, files: options.files, baseName: config.name, force: options.force }) : undefined;
  if (plan) problems.push(...plan.problems);
  // Errors first, so that a flood of warnings never hides one; each located problem costs a walk
  // of its mapping, so a 20,000-key document reports its first few and a count (issue 11).
  const ordered = [...problems.filter((p) => p.severity === 'error'), ...problems.filter((p) => p.severity !== 'error')];
  const shown = ordered.slice(0, maxListedDiagnostics);
  const diagnostics = [
    ...source.syntax,
    ...shown.map(
      (p): Diagnostic => ({
        message: p.message,
        severity: p.severity,
        code: p.code,
        path: dottedPath(p.path),
        range: source.locate(p.path, p.at),
        ...(p.suggestion !== undefined ? { suggestion: p.suggestion } : {}),
        ...(p.fixes !== undefined ? { fixes: p.fixes } : {}),
      }),
    ),
  ].sort(byPosition);
  const omitted = ordered.slice(shown.length);
  if (omitted.length > 0) {
    const severity = omitted.some((p) => p.severity === 'error') ? 'error' : 'warning';
    diagnostics.push({ message: `and ${omitted.length.toLocaleString('en-US')} more problems`, severity, code: omitted[0].code, path: '', range: diagnostics[diagnostics.length - 1].range });
  }
  const valid = config && !plan?.problems.some((p) => p.severity === 'error');
  return { ...(valid ? { config } : {}), diagnostics, ...(plan ? { sweep: plan } : {}) };
}

// What checking a config reports. A Problem names a place in the config's data (a path); a
// Diagnostic is a Problem placed in the source text. Positions follow LSP: 0-based lines, and
// characters in UTF-16 code units (JavaScript string offsets), so the server passes them through.

export type PathSegment = string | number;

export type Severity = 'error' | 'warning';

/** What kind of mistake, for tests, quick fixes and "diagnostics from outcomes". */
export type ProblemCode =
  | 'syntax' // not valid YAML
  | 'unknown-key' // a field the schema does not have
  | 'required' // a required field is missing
  | 'type' // wrong type of value
  | 'range' // number, length or list size out of range
  | 'enum' // not one of the allowed values
  | 'rule' // a rule across fields (shape, batch sizes, layer indices, …)
  | 'path'; // a file or folder that does not exist or is of the wrong kind

/** A value that satisfies the broken rule: set the field at `path` (dotted) to `value`. For quick fixes. */
export interface Fix {
  path: string;
  value: number;
}

export interface Problem {
  path: PathSegment[];
  message: string;
  severity: Severity;
  code: ProblemCode;
  /** Underline the key (unknown keys, missing children) or the value (everything else). */
  at: 'key' | 'value';
  /** A replacement for the underlined text (the "did you mean" of a typo), for quick fixes. */
  suggestion?: string;
  /** Values that would satisfy the rule, nearest first (a divisibility rule's), for quick fixes. */
  fixes?: Fix[];
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface Diagnostic {
  message: string;
  severity: Severity;
  code: ProblemCode;
  /** Dotted path of the field, e.g. "optim.betas.1"; "" for the whole document. */
  path: string;
  range: Range;
  suggestion?: string;
  fixes?: Fix[];
}

export const dottedPath = (path: readonly PathSegment[]): string => path.join('.');

/** `file:line:col: path: message`, 1-based as compilers print them, for terminals. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  const where = `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
  const severity = d.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${severity}${d.path ? `${d.path}: ` : ''}${d.message}`;
}

// loadConfigFile: read and resolve a config for the CLI, or fail with every error at once.
import { readRegularFile } from '../io/regularFile.js';
import { type Diagnostic, formatDiagnostic } from './diagnostics.js';
import { type ParseOptions, parseConfig } from './parse.js';
import type { ResolvedConfig } from './resolved.js';

/** A config that cannot be used. The message has one `file:line:col: path: message` line per error. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostics: Diagnostic[],
    message = diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(file, d)).join('\n'),
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: ResolvedConfig;
  /** Print these (formatDiagnostic) and go on. */
  warnings: Diagnostic[];
}

export function loadConfigFile(file: string, options: ParseOptions = {}): LoadedConfig {
  let text: string;
  try {
    // A FIFO or /dev/zero would block or never end: only regular files, read once (the size limit
    // of a document is the parser's, which says so with a diagnostic).
    text = readRegularFile(file).toString('utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new ConfigError(file, [], `${file}: cannot read the config: ${reason}`);
  }
  const { config, diagnostics } = parseConfig(text, file, options);
  if (!config) throw new ConfigError(file, diagnostics);
  return { config, warnings: diagnostics };
}

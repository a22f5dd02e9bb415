// The one typed protocol between the language server, the VS Code extension and the webviews
// (SPEC §2), in the style of vscode-eslint's customMessages.ts and rust-analyzer's lsp_ext.ts.
// Every custom command, request and notification is declared here once and imported by every
// side. It imports nothing Node-only and no tfjs, so browser bundles (webviews) can use it.

// ---------------------------------------------------------------------------------------------
// Commands carried by code lenses. The server only names them: a client runs them (the VS Code
// extension registers them; another editor may map them to `crate-lab` CLI invocations).
// Each command has exactly one argument, the object typed below.
// ---------------------------------------------------------------------------------------------

export const commands = {
  /** Start a new run of a config. */
  train: 'crateLab.train',
  /** Continue the newest run of a config from its latest checkpoint. */
  resumeLatest: 'crateLab.resumeLatest',
  /** Open "Compare runs" on the runs of a config. */
  compareRuns: 'crateLab.compareRuns',
} as const;

export type CommandId = (typeof commands)[keyof typeof commands];

export interface TrainArguments {
  /** The config document's URI, as the client sent it. */
  configUri: string;
}

export interface ResumeLatestArguments {
  configUri: string;
  /** Absolute path of the newest run directory of this config. */
  runDir: string;
}

export interface CompareRunsArguments {
  configUri: string;
  /** Absolute paths of the run directories of this config, newest first (at least two). */
  runDirs: string[];
}

/** The argument type of each command, so a client's handler is typed by the command id. */
export interface CommandArguments {
  [commands.train]: TrainArguments;
  [commands.resumeLatest]: ResumeLatestArguments;
  [commands.compareRuns]: CompareRunsArguments;
}

// ---------------------------------------------------------------------------------------------
// Server options the client may pass as `initializationOptions` (standard LSP field).
// ---------------------------------------------------------------------------------------------

export interface InitializationOptions {
  /** Wait this long after the last edit before checking a document again (default 100 ms). */
  diagnosticsDelayMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Run manager: custom requests and notifications (list runs, scalars, per-layer metrics,
// attention maps, compare runs; `runs changed` / `events appended` pushes). Declared here as
// `new RequestType<Params, Result, void>('crateLab/…')` / `new NotificationType<Params>(…)` from
// 'vscode-languageserver-protocol' (browser-safe) when the run manager lands.
// ---------------------------------------------------------------------------------------------

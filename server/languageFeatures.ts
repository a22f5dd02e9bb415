// The *.crate.yaml language: diagnostics, completion, hover, inlay hints and code lenses, wired to
// the connection. Each feature lives in its own module; this one only connects them and guards
// every handler, so that a bug in one feature answers "nothing" instead of ending the server.
import { type Connection, type Diagnostic, type ServerCapabilities, TextDocumentSyncKind, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { codeLenses } from './codeLenses.js';
import { completions } from './completion.js';
import { runsOnDisk } from './configRuns.js';
import { DiagnosticsPublisher } from './diagnostics.js';
import { forget, isRunConfig } from './documents.js';
import { hover } from './hover.js';
import { inlayHints } from './inlayHints.js';
import type { InitializationOptions } from './protocol.js';

const defaultDiagnosticsDelayMs = 100;

export interface LanguageFeatures {
  capabilities: ServerCapabilities;
  /** Runs changed: republish the open configs whose outcome diagnostics changed. */
  refreshOutcomes(): void;
}

export function registerLanguageFeatures(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  options: () => InitializationOptions,
  outcomes: (doc: TextDocument) => Diagnostic[] = () => [],
): LanguageFeatures {
  let publisher: DiagnosticsPublisher | undefined;
  const diagnostics = () => (publisher ??= new DiagnosticsPublisher(connection, options().diagnosticsDelayMs ?? defaultDiagnosticsDelayMs, outcomes));

  /** The open run config at `uri`, if it is one. */
  const config = (uri: string): TextDocument | undefined => (isRunConfig(uri) ? documents.get(uri) : undefined);

  function guarded<T>(what: string, fallback: T, answer: () => T): T {
    try {
      return answer();
    } catch (e) {
      connection.console.error(`crate-lab: ${what} failed: ${(e as Error)?.stack ?? String(e)}`);
      return fallback;
    }
  }

  documents.onDidOpen(({ document }) => {
    if (isRunConfig(document.uri)) diagnostics().publish(document);
  });
  documents.onDidChangeContent(({ document }) => {
    if (isRunConfig(document.uri)) diagnostics().schedule(document);
  });
  documents.onDidClose(({ document }) => {
    forget(document.uri);
    if (isRunConfig(document.uri)) diagnostics().clear(document.uri);
  });

  connection.onCompletion(({ textDocument, position }) => {
    const doc = config(textDocument.uri);
    return doc ? guarded('completion', [], () => completions(doc, position)) : [];
  });
  connection.onHover(({ textDocument, position }) => {
    const doc = config(textDocument.uri);
    return doc ? guarded('hover', null, () => hover(doc, position)) : null;
  });
  connection.languages.inlayHint.on(({ textDocument, range }) => {
    const doc = config(textDocument.uri);
    if (!doc) return [];
    return guarded('inlay hints', [], () => inlayHints(doc).filter((h) => h.position.line >= range.start.line && h.position.line <= range.end.line));
  });
  connection.onCodeLens(({ textDocument }) => {
    const doc = config(textDocument.uri);
    return doc ? guarded('code lenses', [], () => codeLenses(doc, runsOnDisk)) : [];
  });

  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [':', ' ', '{', ','] },
      hoverProvider: true,
      inlayHintProvider: true,
      codeLensProvider: { resolveProvider: false },
    },
    refreshOutcomes: () => {
      for (const doc of documents.all()) if (isRunConfig(doc.uri)) guarded('outcome diagnostics', undefined, () => diagnostics().refreshOutcomes(doc));
    },
  };
}

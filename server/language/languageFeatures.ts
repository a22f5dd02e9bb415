// The *.crate.yaml language: diagnostics, quick fixes, completion, hover, inlay hints and code lenses, wired to
// the connection. Each feature lives in its own module; this one only connects them and guards
// every handler, so that a bug in one feature answers "nothing" instead of ending the server.
// When the runs change, the parts that show them (outcome diagnostics, code lenses, the time per
// epoch hint) are refreshed, each only when what it shows for an open config changed.
// A large document (documents.ts, largeDocumentChars) is analysed by a worker of its own
// (largeDocuments.ts): it gets diagnostics, hover and completion, not the run-related features
// nor quick fixes (their edits need the YAML tree, which only its worker holds).
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type ClientCapabilities,
  CodeActionKind,
  type Connection,
  CodeLensRefreshRequest,
  type ServerCapabilities,
  TextDocumentSyncKind,
  type TextDocuments,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions } from './codeActions.js';
import { codeLenses } from './codeLenses.js';
import { completions } from './completion.js';
import { DiagnosticsPublisher } from './diagnostics.js';
import { analyze, forget, isLarge, isRunConfig } from './documents.js';
import { hover } from './hover.js';
import { inlayHints } from './inlayHints.js';
import { LargeDocuments } from './largeDocuments.js';
import { outcomeDiagnostics } from './outcomeDiagnostics.js';
import type { InitializationOptions } from '../../protocol/customMessages.js';
import type { RunIndex } from '../runs/runIndex.js';
import { guarded as guardedAnswer } from '../handlerGuard.js';

const defaultDiagnosticsDelayMs = 100;

export interface LanguageFeatures {
  capabilities: ServerCapabilities;
  /**
   * The runs changed: republish the open configs whose outcome diagnostics changed, and ask the
   * client to refresh code lenses and inlay hints when those of an open config changed.
   */
  runsChanged(): void;
  /** The resolved runs directories of the open configs (whose parent folder exists). */
  configRunsDirs(): Set<string>;
}

export interface LanguageFeaturesContext {
  /** The client's initializationOptions and capabilities (known once it initialized). */
  options(): InitializationOptions;
  client(): ClientCapabilities;
  runs: RunIndex;
}

export function registerLanguageFeatures(connection: Connection, documents: TextDocuments<TextDocument>, context: LanguageFeaturesContext): LanguageFeatures {
  const { runs } = context;
  const log = (message: string) => connection.console.error(message);
  const guarded = <T>(what: string, fallback: T, answer: () => T): T => guardedAnswer(log, what, fallback, answer);
  let publisher: DiagnosticsPublisher | undefined;
  const large = new LargeDocuments(log);
  connection.onShutdown(() => large.dispose());
  const diagnostics = () =>
    (publisher ??= new DiagnosticsPublisher(connection, documents, large, context.options().diagnosticsDelayMs ?? defaultDiagnosticsDelayMs, (doc) => outcomeDiagnostics(doc, runs)));

  const shownLenses = new Shown();
  const shownHints = new Shown();

  /** The open run config at `uri`, if it is one. */
  const config = (uri: string): TextDocument | undefined => (isRunConfig(uri) ? documents.get(uri) : undefined);
  /** The open run configs that this thread analyses (large ones are their workers'). */
  const smallConfigs = () => documents.all().filter((doc) => isRunConfig(doc.uri) && !isLarge(doc));
  /** A large document's answer from its worker; a failure answers `fallback` (the worker logged it). */
  const fromWorker = <T>(answer: Promise<T>, fallback: T): Promise<T> => answer.catch(() => fallback);


  documents.onDidOpen(({ document }) => {
    if (isRunConfig(document.uri)) diagnostics().publish(document);
  });
  documents.onDidChangeContent(({ document }) => {
    if (!isLarge(document)) large.forget(document.uri);
    if (isRunConfig(document.uri)) diagnostics().schedule(document);
  });
  documents.onDidClose(({ document }) => {
    forget(document.uri);
    large.forget(document.uri);
    shownLenses.forget(document.uri);
    shownHints.forget(document.uri);
    if (isRunConfig(document.uri)) diagnostics().clear(document.uri);
  });

  connection.onCompletion(({ textDocument, position }) => {
    const doc = config(textDocument.uri);
    if (doc && isLarge(doc)) return fromWorker(large.completions(doc, position), []);
    return doc ? guarded('completion', [], () => completions(doc, position)) : [];
  });
  connection.onHover(({ textDocument, position }) => {
    const doc = config(textDocument.uri);
    if (doc && isLarge(doc)) return fromWorker(large.hover(doc, position), null);
    return doc ? guarded('hover', null, () => hover(doc, position)) : null;
  });
  connection.languages.inlayHint.on(({ textDocument, range }) => {
    const doc = config(textDocument.uri);
    if (!doc || isLarge(doc)) return []; // inlay hints, code lenses and outcomes are for documents of a config's size
    return guarded('inlay hints', [], () => shownHints.note(doc, inlayHints(doc, runs)).filter((h) => h.position.line >= range.start.line && h.position.line <= range.end.line));
  });
  connection.onCodeAction(({ textDocument, context: { diagnostics } }) => {
    const doc = config(textDocument.uri);
    return doc && !isLarge(doc) ? guarded('code actions', [], () => codeActions(doc, diagnostics)) : [];
  });
  connection.onCodeLens(({ textDocument }) => {
    const doc = config(textDocument.uri);
    return doc && !isLarge(doc) ? guarded('code lenses', [], () => shownLenses.note(doc, codeLenses(doc, runs))) : [];
  });

  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [':', ' ', '{', ','] },
      hoverProvider: true,
      inlayHintProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    },
    configRunsDirs: () => {
      const dirs = new Set<string>();
      for (const doc of smallConfigs()) {
        const runsDir = guarded('runs directory', undefined, () => analyze(doc).result.config?.runsDir);
        if (runsDir && existsSync(dirname(runsDir))) dirs.add(runsDir);
      }
      return dirs;
    },
    runsChanged: () => {
      const configs = smallConfigs();
      for (const doc of configs) guarded('outcome diagnostics', undefined, () => diagnostics().refreshOutcomes(doc));
      const workspace = context.client().workspace;
      if (workspace?.codeLens?.refreshSupport && guarded('code lenses', false, () => shownLenses.changed(configs, (doc) => codeLenses(doc, runs)))) {
        connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
      }
      if (workspace?.inlayHint?.refreshSupport && guarded('inlay hints', false, () => shownHints.changed(configs, (doc) => inlayHints(doc, runs)))) {
        connection.languages.inlayHint.refresh().catch(() => undefined);
      }
    },
  };
}

/** What a feature last showed per document, to ask the client for a refresh only when it changes. */
class Shown {
  private readonly last = new Map<string, string>();

  note<T>(doc: TextDocument, value: T): T {
    this.last.set(doc.uri, JSON.stringify(value));
    return value;
  }

  /** Recomputes the documents' values; true when one differs from what was last shown. */
  changed(docs: TextDocument[], compute: (doc: TextDocument) => unknown): boolean {
    let changed = false;
    for (const doc of docs) {
      const text = JSON.stringify(compute(doc));
      if (this.last.get(doc.uri) !== text) changed = true;
      this.last.set(doc.uri, text);
    }
    return changed;
  }

  forget(uri: string): void {
    this.last.delete(uri);
  }
}

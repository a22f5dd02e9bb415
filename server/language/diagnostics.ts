// parseConfig's diagnostics as LSP diagnostics (plus the check of `model.initFrom`'s weights file
// and the advice on the learning rate's range),
// published a short while after the last edit so that typing does not re-check on every keystroke.
import { type Connection, type Diagnostic, DiagnosticSeverity, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic as ConfigDiagnostic, Fix } from '../../trainer/config/index.js';
import { diagnosticSource } from './diagnosticSource.js';
import { analyze, isLarge } from './documents.js';
import { initFromDiagnostics } from './initFrom.js';
import { learningRateDiagnostics } from './learningRate.js';
import type { LargeDocuments } from './largeDocuments.js';

/**
 * What a quick fix (codeActions.ts) needs: the field's path, the "did you mean" replacement, the
 * values that satisfy a broken divisibility rule.
 */
export interface DiagnosticData {
  path: string;
  suggestion?: string;
  fixes?: Fix[];
}

export function toLspDiagnostic(d: ConfigDiagnostic): Diagnostic {
  const data: DiagnosticData = { path: d.path, ...(d.suggestion !== undefined ? { suggestion: d.suggestion } : {}), ...(d.fixes ? { fixes: d.fixes } : {}) };
  return {
    range: d.range,
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: diagnosticSource,
    // The message already names the field and any "did you mean"; the range shows where.
    message: d.message,
    data,
  };
}

/** A document's own diagnostics: the config check's, `model.initFrom`'s and the learning rate's (on the thread that analyses it). */
export function diagnosticsOf(doc: TextDocument): Diagnostic[] {
  return [...analyze(doc).result.diagnostics.map(toLspDiagnostic), ...initFromDiagnostics(doc), ...learningRateDiagnostics(doc)];
}

function internalError(e: Error): Diagnostic {
  return { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Error, source: diagnosticSource, message: `internal error while checking: ${e.message}` };
}

export class DiagnosticsPublisher {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** The version last published per document: opening a document reports it as a change too. */
  private readonly published = new Map<string, number>();

  /** The outcome diagnostics last published per document (to republish only on change). */
  private readonly outcomes = new Map<string, string>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly large: LargeDocuments,
    private readonly delayMs: number,
    /** Diagnostics that do not come from the text (outcomes of the config's runs). */
    private readonly extra: (doc: TextDocument) => Diagnostic[] = () => [],
  ) {}

  /** Check `doc` after the delay; a newer edit of the same document restarts the wait. */
  schedule(doc: TextDocument): void {
    if (this.published.get(doc.uri) === doc.version) return;
    clearTimeout(this.pending.get(doc.uri));
    this.pending.set(
      doc.uri,
      setTimeout(() => {
        this.pending.delete(doc.uri);
        this.publish(doc);
      }, this.delayMs),
    );
  }

  publish(doc: TextDocument): void {
    if (isLarge(doc)) {
      // Checked off the main thread; published if no newer edit came meanwhile.
      void this.large.diagnostics(doc).then(
        (diagnostics) => this.send(doc, diagnostics),
        (e: Error) => this.send(doc, [internalError(e)]),
      );
      return;
    }
    let diagnostics: Diagnostic[];
    try {
      diagnostics = diagnosticsOf(doc);
    } catch (e) {
      // parseConfig promises never to throw; should it, the document still gets an answer
      // and the server lives on.
      diagnostics = [internalError(e as Error)];
    }
    this.send(doc, diagnostics);
  }

  private send(doc: TextDocument, diagnostics: Diagnostic[]): void {
    if (this.documents.get(doc.uri)?.version !== doc.version) return; // edited or closed since
    const outcomes = this.outcomesOf(doc);
    this.outcomes.set(doc.uri, JSON.stringify(outcomes));
    this.published.set(doc.uri, doc.version);
    void this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: [...diagnostics, ...outcomes] });
  }

  private outcomesOf(doc: TextDocument): Diagnostic[] {
    if (isLarge(doc)) return []; // outcomes need the YAML tree, which only the document's worker has
    try {
      return this.extra(doc);
    } catch {
      return [];
    }
  }

  /** Publishes `doc` again (same version) when its outcome diagnostics changed. */
  refreshOutcomes(doc: TextDocument): void {
    if (!this.published.has(doc.uri) || this.pending.has(doc.uri)) return;
    if (JSON.stringify(this.outcomesOf(doc)) !== this.outcomes.get(doc.uri)) this.publish(doc);
  }

  clear(uri: string): void {
    clearTimeout(this.pending.get(uri));
    this.pending.delete(uri);
    this.published.delete(uri);
    this.outcomes.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }
}

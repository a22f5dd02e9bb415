// The main thread's side of large documents (documents.ts, largeDocumentChars): each gets a worker
// thread of its own (largeDocumentWorker.ts) that parses it and answers its diagnostics, hover and
// completion, so one large document never holds up another's requests, nor another large one's.
// A worker is given on the document's first question and ended when it closes or shrinks.
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CompletionItem, Diagnostic, Hover, Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

export interface LargeDocumentQuestion {
  id: number;
  kind: 'diagnostics' | 'hover' | 'completion';
  uri: string;
  version: number;
  /** The document's text, sent when the worker does not have this version yet. */
  text?: string;
  position?: Position;
}

export type LargeDocumentAnswer = { id: number; value: unknown } | { id: number; error: string };

/** dist/server/largeDocumentWorker.js, beside this bundle (or beside the server's when `crate-lab lsp` runs it from dist/trainer/cli.js). */
function workerPath(): string {
  const main = process.argv[1] ? realpathSync(process.argv[1]) : '';
  const serverDir = basename(main) === 'cli.js' ? join(dirname(main), '..', 'server') : dirname(main);
  return join(serverDir, 'largeDocumentWorker.js');
}

/** What a spare worker parses while it waits: it loads the config code and warms the parser. */
const warmUpText = 'name: warm-up\nmodel: { arch: crate, size: tiny }\noptim: { lr: 0.001 }\n';

interface DocumentWorker {
  worker: Worker;
  /** The document it owns; undefined while it is the spare. */
  uri: string | undefined;
  /** The version whose text the worker has. */
  version: number | undefined;
  waiting: Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>;
}

export class LargeDocuments {
  private readonly workers = new Map<string, DocumentWorker>();
  private spare: DocumentWorker | undefined;
  private nextId = 1;

  constructor(private readonly log: (message: string) => void) {}

  diagnostics(doc: TextDocument): Promise<Diagnostic[]> {
    return this.ask(doc, 'diagnostics') as Promise<Diagnostic[]>;
  }

  hover(doc: TextDocument, position: Position): Promise<Hover | null> {
    return this.ask(doc, 'hover', position) as Promise<Hover | null>;
  }

  completions(doc: TextDocument, position: Position): Promise<CompletionItem[]> {
    return this.ask(doc, 'completion', position) as Promise<CompletionItem[]>;
  }

  /** The document closed, or is no longer large: its worker ends. */
  forget(uri: string): void {
    const entry = this.workers.get(uri);
    if (!entry) return;
    this.workers.delete(uri);
    void entry.worker.terminate();
    for (const w of entry.waiting.values()) w.reject(new Error(`${uri} was closed`));
  }

  dispose(): void {
    for (const uri of [...this.workers.keys()]) this.forget(uri);
    void this.spare?.worker.terminate();
    this.spare = undefined;
  }

  private ask(doc: TextDocument, kind: LargeDocumentQuestion['kind'], position?: Position): Promise<unknown> {
    const entry = this.workerOf(doc.uri);
    const question: LargeDocumentQuestion = { id: this.nextId++, kind, uri: doc.uri, version: doc.version, position };
    if (entry.version !== doc.version) {
      question.text = doc.getText();
      entry.version = doc.version;
    }
    return new Promise((resolve, reject) => {
      entry.waiting.set(question.id, { resolve, reject });
      entry.worker.postMessage(question);
    });
  }

  private workerOf(uri: string): DocumentWorker {
    const known = this.workers.get(uri);
    if (known) return known;
    // A worker takes about 200 ms to load and its first parse runs cold: the next large document
    // gets one started and warmed meanwhile.
    const entry = this.spare ?? this.startWorker();
    this.spare = this.startWorker();
    entry.uri = uri;
    this.workers.set(uri, entry);
    return entry;
  }

  private startWorker(): DocumentWorker {
    const entry: DocumentWorker = { worker: new Worker(workerPath()), uri: undefined, version: undefined, waiting: new Map() };
    entry.worker.on('message', (answer: LargeDocumentAnswer) => {
      const waiting = entry.waiting.get(answer.id);
      entry.waiting.delete(answer.id);
      if ('error' in answer) {
        this.log(`crate-lab: a large document's worker failed: ${answer.error}`);
        waiting?.reject(new Error(answer.error.split('\n')[0]));
      } else waiting?.resolve(answer.value);
    });
    // A worker that dies (out of memory, a bug) fails its questions; the next question starts a new one.
    entry.worker.on('error', (e) => this.log(`crate-lab: the worker of ${entry.uri ?? 'large documents'} failed: ${e.stack ?? e.message}`));
    entry.worker.on('exit', () => {
      if (entry.uri !== undefined && this.workers.get(entry.uri) === entry) this.workers.delete(entry.uri);
      if (this.spare === entry) this.spare = undefined;
      for (const w of entry.waiting.values()) w.reject(new Error(`the worker of ${entry.uri} ended`));
      entry.waiting.clear();
    });
    entry.worker.unref();
    entry.worker.postMessage({ id: 0, kind: 'diagnostics', uri: 'untitled:warm-up.crate.yaml', version: 0, text: warmUpText } satisfies LargeDocumentQuestion);
    return entry;
  }
}

// Entry of dist/server/largeDocumentWorker.js: a worker thread that owns one large document
// (documents.ts, largeDocumentChars) and answers its diagnostics, hover and completion with the
// same feature code the server's main thread runs for small documents. Parsing a large document
// can take hundreds of milliseconds; here it never holds up another document's requests.
import { parentPort } from 'node:worker_threads';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { completions } from './completion.js';
import { diagnosticsOf } from './diagnostics.js';
import { hover } from './hover.js';
import type { LargeDocumentAnswer, LargeDocumentQuestion } from './largeDocuments.js';

let doc: TextDocument | undefined;

parentPort?.on('message', (question: LargeDocumentQuestion) => {
  if (question.text !== undefined) doc = TextDocument.create(question.uri, 'yaml', question.version, question.text);
  let answer: LargeDocumentAnswer;
  try {
    if (!doc || doc.version !== question.version) throw new Error(`the worker holds another version of ${question.uri}`);
    const value = question.kind === 'diagnostics' ? diagnosticsOf(doc) : question.kind === 'hover' ? hover(doc, question.position!) : completions(doc, question.position!);
    answer = { id: question.id, value };
  } catch (e) {
    answer = { id: question.id, error: (e as Error)?.stack ?? String(e) };
  }
  parentPort!.postMessage(answer);
});

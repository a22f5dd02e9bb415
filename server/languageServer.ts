// The language server process: one LSP connection over stdio (or whatever transport the command
// line names: --stdio, --node-ipc, --socket=N), the open documents, and the feature modules.
// Each part registers its own handlers on the connection and states its own capabilities; the
// run manager will be one more such part beside languageFeatures.
import { createConnection, type InitializeResult, ProposedFeatures, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { registerLanguageFeatures } from './languageFeatures.js';
import type { InitializationOptions } from './protocol.js';

/** Runs the server until the client says exit (the connection then ends the process). */
export function runLanguageServer(): Promise<void> {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  let options: InitializationOptions = {};
  const languageFeatures = registerLanguageFeatures(connection, documents, () => options);

  connection.onInitialize((params): InitializeResult => {
    options = (params.initializationOptions ?? {}) as InitializationOptions;
    return {
      capabilities: { ...languageFeatures.capabilities },
      serverInfo: { name: 'crate-lab' },
    };
  });

  documents.listen(connection);
  connection.listen();
  return new Promise((resolve) => connection.onExit(resolve));
}

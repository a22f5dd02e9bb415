// The language server process: one LSP connection over stdio (or whatever transport the command
// line names: --stdio, --node-ipc, --socket=N), the open documents, and the feature modules.
// Each part registers its own handlers on the connection (the language features also state their
// capabilities; the run manager's requests are custom, so it has none to state).
import { type ClientCapabilities, createConnection, type InitializeResult, ProposedFeatures, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { registerLanguageFeatures } from './languageFeatures.js';
import type { InitializationOptions } from '../protocol/customMessages.js';
import { registerRunManager } from './runManager.js';

/** Runs the server until the client says exit (the connection then ends the process). */
export function runLanguageServer(): Promise<void> {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  let options: InitializationOptions = {};
  let client: ClientCapabilities = {};
  // The run manager's index feeds the language features; it tells them when the runs change.
  const runManager = registerRunManager(connection, documents, () => languageFeatures.runsChanged());
  const languageFeatures = registerLanguageFeatures(connection, documents, { options: () => options, client: () => client, runs: runManager.index });

  connection.onInitialize((params): InitializeResult => {
    options = (params.initializationOptions ?? {}) as InitializationOptions;
    client = params.capabilities;
    runManager.initialize(options);
    return {
      capabilities: languageFeatures.capabilities, // the run manager's requests are custom: no capability to declare
      serverInfo: { name: 'crate-lab' },
    };
  });

  documents.listen(connection);
  connection.listen();
  return new Promise((resolve) => connection.onExit(resolve));
}

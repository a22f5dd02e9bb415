// The language server process: one LSP connection over stdio (or whatever transport the command
// line names: --stdio, --node-ipc, --socket=N), the open documents, and the server's two rooms:
// the config language (server/language/) and the runs (server/runs/). Each registers its own
// handlers on the connection (the language features also state their capabilities; the runs'
// requests are custom, so it has none to state); this file is where the two meet.
import { type ClientCapabilities, createConnection, type InitializeResult, ProposedFeatures, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { registerLanguageFeatures } from './language/languageFeatures.js';
import type { InitializationOptions } from '../protocol/customMessages.js';
import { registerRunRequests } from './runs/runRequests.js';

/** Runs the server until the client says exit (the connection then ends the process). */
export function runLanguageServer(): Promise<void> {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  let options: InitializationOptions = {};
  let client: ClientCapabilities = {};
  // The runs' index feeds the language features; it tells them when the runs change. The open
  // configs tell the runs room which runs directories to watch.
  const runs = registerRunRequests(connection, () => languageFeatures.runsChanged());
  const languageFeatures = registerLanguageFeatures(connection, documents, { options: () => options, client: () => client, runs: runs.index });
  const watchConfigRunsDirs = () => runs.setConfigRunsDirs(languageFeatures.configRunsDirs());
  documents.onDidOpen(watchConfigRunsDirs);
  documents.onDidChangeContent(watchConfigRunsDirs);
  documents.onDidClose(watchConfigRunsDirs);

  connection.onInitialize((params): InitializeResult => {
    options = (params.initializationOptions ?? {}) as InitializationOptions;
    client = params.capabilities;
    runs.initialize(options);
    return {
      capabilities: languageFeatures.capabilities, // the runs' requests are custom: no capability to declare
      serverInfo: { name: 'crate-lab' },
    };
  });

  documents.listen(connection);
  connection.listen();
  return new Promise((resolve) => connection.onExit(resolve));
}

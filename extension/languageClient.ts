// The client side of the language server (dist/server/server.js, over Node IPC): the server does
// the *.crate.yaml language features and owns every run; this module only describes how to start
// it (ServerConnection creates and starts the client).
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import type { InitializationOptions } from '../protocol/customMessages.js';
import { configGlob } from '../protocol/runPredicates.js';
import { readSettings, watchedRunsDirs } from './settings.js';

export function createLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  // Required here, not imported at the top: the bundle then evaluates the library only when this
  // runs, after activation (ServerConnection).
  const { LanguageClient, TransportKind } = require('vscode-languageclient/node') as typeof import('vscode-languageclient/node');
  const module = context.asAbsolutePath('dist/server/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  // Read at every start: a restart (settingsEffects.ts) brings the settings of the moment.
  const initializationOptions = (): InitializationOptions => {
    const settings = readSettings();
    return {
      runsDirs: watchedRunsDirs(settings),
      ...(settings.trainerNodePath ? { trainerNodePath: settings.trainerNodePath } : {}),
    };
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', pattern: configGlob }],
    initializationOptions,
    outputChannel: output,
  };
  return new LanguageClient('crateLab', 'CRATE Lab Language Server', serverOptions, clientOptions);
}

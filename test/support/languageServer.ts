// The real language server as a separate process, spoken to as an editor does: `node
// dist/server/server.js --stdio` (or another command line, such as the CLI's `crate-lab lsp
// --stdio`), real JSON-RPC over its stdin and stdout, its stderr kept for the tests' messages.
// initialize() and stop() are the LSP handshake and the orderly end (shutdown, exit, then the
// process gone); stop() kills nothing, so a server that does not end when told to fails its test
// (the file runs out of time) rather than being ended quietly. Tests that follow notifications
// register their handlers right after the constructor, or in a subclass's constructor or fields
// (notifications()): the server sends none before initialize.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  type ClientCapabilities,
  ExitNotification,
  InitializeRequest,
  type InitializeResult,
  InitializedNotification,
  type NotificationType,
  type ProtocolConnection,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { repoRoot } from './reference.js';

/** The server bundle that VS Code starts. */
export const serverPath = join(repoRoot, 'dist', 'server', 'server.js');

export interface LanguageServerOptions {
  /** What Node runs, after its own options: the server bundle over stdio unless given. */
  args?: string[];
  /** Node's own options, before `args` (e.g. `['--require', file]`). */
  nodeOptions?: string[];
}

export class LanguageServer {
  readonly child: ChildProcess;
  readonly connection: ProtocolConnection;
  private output = '';

  /** Starts the server and listens; nothing is sent until initialize(). */
  constructor({ args = [serverPath, '--stdio'], nodeOptions = [] }: LanguageServerOptions = {}) {
    this.child = spawn(process.execPath, [...nodeOptions, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.connection = createProtocolConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.listen();
  }

  /** All the server wrote to stderr so far. */
  get stderr(): string {
    return this.output;
  }

  /** The handshake: initialize with these options (the server's settings) and capabilities, then initialized. */
  async initialize(initializationOptions: object = {}, capabilities: ClientCapabilities = {}): Promise<InitializeResult> {
    const result = await this.connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities, initializationOptions });
    await this.connection.sendNotification(InitializedNotification.type, {});
    return result;
  }

  /**
   * Every notification of `type` the server sends from now on, in order: the array fills as they
   * come. The connection has one handler a method, so one array a type.
   */
  notifications<P>(type: NotificationType<P>): P[] {
    const received: P[] = [];
    this.connection.onNotification(type, (params) => void received.push(params));
    return received;
  }

  /** Shutdown, exit, and resolves once the process has ended. */
  async stop(): Promise<void> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    const { child } = this;
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    this.connection.dispose();
  }
}

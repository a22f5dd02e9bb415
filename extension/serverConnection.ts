// The extension's handle on the language server. The client library is loaded, and the server
// started, just after activate() returns: evaluating vscode-languageclient is most of the
// extension's load time (measured: 30–60 ms of a 55–110 ms activation), and nothing on screen
// needs the server before it answers. Requests and notification handlers made earlier wait for it.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { NotificationType, RequestParam, RequestType } from 'vscode-languageserver-protocol';

export class ServerConnection {
  /** The client, created on the next turn of the event loop. */
  private readonly created: Promise<LanguageClient>;
  /** The client once the server has answered `initialize`; during a restart, once it has again. */
  private running: Promise<LanguageClient>;
  /** Settles when the server has answered `initialize` (or could not start). */
  readonly started: Promise<void>;

  constructor(create: () => LanguageClient) {
    this.created = new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(create());
        } catch (e) {
          reject(e);
        }
      }),
    );
    this.running = this.created.then(async (client) => {
      await client.start();
      return client;
    });
    this.started = this.running.then(() => undefined);
  }

  async sendRequest<P, R, E>(type: RequestType<P, R, E>, params: RequestParam<P>): Promise<R> {
    return (await this.running).sendRequest(type, params);
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable {
    const registration = this.created.then((client) => client.onNotification(type, handler));
    return new vscode.Disposable(() => void registration.then((r) => r.dispose(), () => undefined));
  }

  /**
   * Stops the server and starts it again, with initializationOptions read anew; notification
   * handlers stay registered (the client keeps them across a restart). Trainers go on.
   */
  async restart(): Promise<void> {
    const client = await this.running;
    // Requests made meanwhile wait for the new server instead of failing ("Client is not running").
    const restarted = client.restart().then(() => client);
    this.running = restarted.catch(() => client);
    await restarted;
  }

  /** Stops the server (trainers are detached and go on). */
  async stop(): Promise<void> {
    const client = await this.created.catch(() => undefined);
    await client?.stop();
  }
}

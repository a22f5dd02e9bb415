// Hosts the webview panels (Dashboard, Layers, Attention, Compare): one panel per kind and set of
// runs, restored after a window reload by a serializer from the state the webview keeps.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerConnection } from '../serverConnection.js';
import { type HostToPanelMessage, type PanelKind, panelKinds, type PanelState, type PanelToHostMessage } from '../../protocol/panelMessages.js';
import { panelHtml } from '../../webviews/panelHtml.js';
import { runLabel } from '../runPresentation.js';
import type { RunsModel } from '../runsModel.js';
import { createFeed, type Feed } from './panelFeeds.js';
import type { StudyExport } from './studyFeed.js';

const titles: Record<PanelKind, string> = { dashboard: 'Dashboard', layers: 'Layers', attention: 'Attention', compare: 'Compare' };

export function viewType(kind: PanelKind): string {
  return `crateLab.${kind}`;
}

/** What panels ask of the rest of the extension. */
export interface PanelActions {
  exportCsv(runDir: string): Promise<void>;
  exportPng(name: string, dataUrl: string): Promise<void>;
  /** Save a study table's text (Compare panel), where the user says. */
  exportStudy(study: StudyExport): Promise<void>;
  openLog(runDir: string): Promise<void>;
  focus(runDir: string): void;
}

class RunPanel implements vscode.Disposable {
  private feed: Feed;
  private ready = false;
  private readonly labels = new Map<string, string>();
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly onDidDispose: vscode.Event<void>;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private state: PanelState,
    private readonly host: PanelHost,
  ) {
    this.onDidDispose = panel.onDidDispose;
    this.feed = createFeed(state, host.server, (m) => this.post(m));
    const media = vscode.Uri.joinPath(host.context.extensionUri, 'dist', 'webviews');
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    panel.iconPath = vscode.Uri.joinPath(host.context.extensionUri, 'media', 'crate-lab.svg');
    panel.title = this.title();
    panel.webview.html = panelHtml({
      kind: state.kind,
      title: panel.title,
      nonce: randomBytes(16).toString('base64'),
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, `${state.kind}.js`)).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, `${state.kind}.css`)).toString(),
    });
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((m: PanelToHostMessage) => void this.received(m)),
      panel.onDidChangeViewState(({ webviewPanel }) => webviewPanel.active && this.state.runDirs[0] && host.actions.focus(this.state.runDirs[0])),
      host.runs.onDidChange(({ removed }) => this.runsChanged(removed)),
      host.runs.onEventsAppended((p) => this.ready && void this.feed.eventsAppended(p).catch((e) => this.fail(e))),
    );
  }

  get key(): string {
    return panelKey(this.state.kind, this.state.runDirs);
  }

  private title(): string {
    // A deleted run keeps the name it had.
    const names = this.state.runDirs.map((d) => {
      const run = this.host.runs.get(d);
      if (run) this.labels.set(d, runLabel(run));
      return this.labels.get(d) ?? path.basename(d);
    });
    return `${titles[this.state.kind]}: ${this.state.kind === 'compare' ? `${names.length} runs` : names.join(', ')}`;
  }

  private post(m: HostToPanelMessage): void {
    void this.panel.webview.postMessage(m);
  }

  private fail(e: unknown): void {
    this.post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }

  private async received(m: PanelToHostMessage): Promise<void> {
    try {
      switch (m?.type) {
        case 'ready':
          this.ready = true;
          this.post({ type: 'init', state: this.state, runs: this.panelRuns() });
          await this.feed.start();
          return;
        case 'uiState':
          if (m.ui && typeof m.ui === 'object') this.state = { ...this.state, ui: m.ui };
          return;
        case 'requestAttention':
          if (this.state.runDirs.includes(m.runDir) && Number.isFinite(m.step)) await this.feed.requestAttention?.(m.runDir, m.step);
          return;
        case 'exportCsv':
          if (this.state.runDirs.includes(m.runDir)) await this.host.actions.exportCsv(m.runDir);
          return;
        case 'exportPng':
          if (typeof m.dataUrl === 'string' && m.dataUrl.startsWith('data:image/png;base64,')) await this.host.actions.exportPng(String(m.name ?? 'chart'), m.dataUrl);
          return;
        case 'exportStudy': {
          const study = (m.table === 'measures' || m.table === 'regularizer') && (m.format === 'csv' || m.format === 'latex') ? this.feed.studyExport?.(m.table, m.format) : undefined;
          if (study) await this.host.actions.exportStudy(study);
          else this.post({ type: 'error', message: 'There is no study table to export yet.' });
          return;
        }
        case 'openLog':
          if (this.state.runDirs.includes(m.runDir)) await this.host.actions.openLog(m.runDir);
          return;
        default:
          // A webview only sends the messages above; anything else is a bug there, not a user error.
          this.host.output.appendLine(`crate-lab: ignored an unknown message from the ${this.state.kind} panel: ${JSON.stringify(m)?.slice(0, 200)}`);
      }
    } catch (e) {
      this.fail(e);
    }
  }

  private panelRuns() {
    return this.state.runDirs.flatMap((d) => this.host.runs.get(d) ?? []);
  }

  private runsChanged(removed: string[]): void {
    if (!this.ready) return;
    for (const d of removed) if (this.state.runDirs.includes(d)) this.post({ type: 'runRemoved', runDir: d });
    this.post({ type: 'runs', runs: this.panelRuns() });
    this.panel.title = this.title();
  }

  dispose(): void {
    this.feed.dispose?.();
    for (const s of this.subscriptions) s.dispose();
  }
}

function panelKey(kind: PanelKind, runDirs: string[]): string {
  return `${kind}:${[...runDirs].sort().join('|')}`;
}

function isPanelState(s: unknown): s is PanelState {
  const o = s as PanelState;
  return !!o && (panelKinds as readonly string[]).includes(o.kind) && Array.isArray(o.runDirs) && o.runDirs.length > 0 && o.runDirs.every((d) => typeof d === 'string');
}

export class PanelHost implements vscode.Disposable {
  private readonly panels = new Map<string, RunPanel>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly server: ServerConnection,
    readonly runs: RunsModel,
    readonly actions: PanelActions,
    readonly output: vscode.OutputChannel,
  ) {
    for (const kind of panelKinds) {
      this.subscriptions.push(
        vscode.window.registerWebviewPanelSerializer(viewType(kind), {
          deserializeWebviewPanel: async (panel, state: unknown) => {
            if (!isPanelState(state)) {
              panel.dispose();
              return;
            }
            this.adopt(panel, state);
          },
        }),
      );
    }
  }

  /**
   * Opens (or reveals) the panel of `kind` for these runs. `preserveFocus` for a panel the user
   * did not ask for by name (a launched run's dashboard): it shows, and the keyboard stays where
   * it was (a quick pick or the palette open meanwhile would otherwise close under the user).
   */
  open(kind: PanelKind, runDirs: string[], { preserveFocus = false } = {}): vscode.WebviewPanel {
    const existing = this.panels.get(panelKey(kind, runDirs));
    if (existing) {
      existing.panel.reveal(undefined, preserveFocus);
      return existing.panel;
    }
    const panel = vscode.window.createWebviewPanel(viewType(kind), titles[kind], { viewColumn: vscode.ViewColumn.Active, preserveFocus }, { enableScripts: true, retainContextWhenHidden: kind !== 'compare' });
    this.adopt(panel, { kind, runDirs });
    return panel;
  }

  private adopt(panel: vscode.WebviewPanel, state: PanelState): void {
    const p = new RunPanel(panel, state, this);
    this.panels.set(p.key, p);
    p.onDidDispose(() => {
      p.dispose();
      if (this.panels.get(p.key) === p) this.panels.delete(p.key);
    });
    if (state.runDirs[0]) this.actions.focus(state.runDirs[0]);
  }

  keys(): string[] {
    return [...this.panels.keys()];
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

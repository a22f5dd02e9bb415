// The panel's side of the postMessage channel and of the webview state VS Code keeps across
// window reloads. Every panel talks to the host only through this module.
import type { HostToPanelMessage, PanelKind, PanelState, PanelToHostMessage } from '../../protocol/panelMessages.js';

interface VsCodeApi {
  postMessage(message: PanelToHostMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export type UiChoices = Record<string, unknown>;

export interface HostBridge<Ui extends UiChoices> {
  post(message: PanelToHostMessage): void;
  /** Handles every host message; call once, before `ready` is posted. */
  listen(handler: (message: HostToPanelMessage) => void): void;
  /** The panel's UI choices: the webview state's after a reload, else the defaults. */
  readonly ui: Ui;
  /** Changes UI choices: kept in the webview state (for reloads) and sent to the host (uiState). */
  updateUi(change: Partial<Ui>): void;
  /** Adopts the host's PanelState (runDirs) from `init`; UI choices restored locally win. */
  adoptState(state: PanelState): void;
  /** Posts `ready`: the host answers with `init` and data. */
  ready(): void;
}

function isPanelState(value: unknown): value is PanelState {
  return typeof value === 'object' && value !== null && Array.isArray((value as PanelState).runDirs);
}

export function connectToHost<Ui extends UiChoices>(kind: PanelKind, defaults: Ui): HostBridge<Ui> {
  // acquireVsCodeApi may be called only once per page, so this module owns the handle.
  const api = acquireVsCodeApi();
  const saved = api.getState();
  let state: PanelState = isPanelState(saved) ? saved : { kind, runDirs: [] };
  // A restored state's choices win over init's: they are the newer ones after a reload.
  let restoredUi = isPanelState(saved) && saved.ui !== undefined;
  const ui = { ...defaults, ...(state.ui ?? {}) } as Ui;

  function save(): void {
    state = { ...state, kind, ui: { ...ui } };
    api.setState(state);
  }

  return {
    ui,
    post: (message) => api.postMessage(message),
    listen(handler) {
      window.addEventListener('message', (event: MessageEvent) => {
        const message = event.data as HostToPanelMessage | undefined;
        if (message && typeof message.type === 'string') handler(message);
      });
    },
    updateUi(change) {
      Object.assign(ui, change);
      save();
      api.postMessage({ type: 'uiState', ui: { ...ui } });
    },
    adoptState(next) {
      if (!restoredUi && next.ui) Object.assign(ui, next.ui);
      restoredUi = true;
      state = { ...next, kind };
      save();
    },
    ready: () => api.postMessage({ type: 'ready' }),
  };
}

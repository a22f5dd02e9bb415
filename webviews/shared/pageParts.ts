// The parts every panel page has besides its charts: a heading, short notes, and the banners for a
// failed request and for runs whose directory was deleted.
import type { HostToPanelMessage } from '../../protocol/panelMessages.js';

/** A banner for run errors and removed runs; role=alert so screen readers announce it. */
function banner(kind: 'error' | 'warning'): HTMLDivElement {
  const b = document.createElement('div');
  b.className = `banner banner-${kind}`;
  b.setAttribute('role', 'alert');
  b.hidden = true;
  return b;
}

/** The panel's heading. */
export function heading(text: string): HTMLHeadingElement {
  return Object.assign(document.createElement('h1'), { textContent: text });
}

/** A short explanatory paragraph (waiting for data, what is missing). */
export function note(text: string): HTMLParagraphElement {
  return Object.assign(document.createElement('p'), { className: 'note', textContent: text });
}

/** The two banners of every panel: a failed request (until data arrives again) and deleted runs. */
export class PanelBanners {
  readonly error = banner('error');
  readonly removed = banner('warning');

  /** `kept`: what the panel goes on showing when a run's directory is deleted. */
  constructor(private readonly kept = 'The data already shown stays visible until the panel is closed.') {}

  /** The host messages every panel treats alike: `error`, and `runRemoved` unless the panel has its own. */
  handle(message: HostToPanelMessage): void {
    if (message.type === 'error') this.showError(message.message);
    if (message.type === 'runRemoved') this.showRemoved(`Run directory deleted: ${message.runDir}. ${this.kept}`);
  }

  showError(message: string): void {
    this.error.hidden = false;
    this.error.textContent = message;
  }

  /** Data arrived: an earlier failure is over. */
  clearError(): void {
    this.error.hidden = true;
  }

  /** `Run directory deleted: …` with what the panel keeps showing; '' hides the banner. */
  showRemoved(text: string): void {
    this.removed.hidden = text === '';
    this.removed.textContent = text;
  }
}

// The HTML shell of every panel. Pure (no vscode, no Node APIs) so that the extension and the
// panel tests produce the very same page: the extension passes webview.asWebviewUri(...) values
// and webview.cspSource, the tests a local server's URLs.
import type { PanelKind } from '../protocol/panelMessages.js';

export interface PanelHtmlOptions {
  kind: PanelKind;
  /** Shown as the document title (VS Code shows the panel title itself; this is for a11y tools). */
  title: string;
  /** A fresh random value per page load: the only scripts and style elements allowed run with it. */
  nonce: string;
  /** webview.cspSource: the origin the bundles and fonts are served from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]);
}

/** The Content-Security-Policy of a panel: nothing but our own bundles and their nonce. */
export function panelCsp(nonce: string, cspSource: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Our CSS comes as files; lit's components use adoptedStyleSheets, which CSP does not gate.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function panelHtml(o: PanelHtmlOptions): string {
  const nonce = escapeHtml(o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(panelCsp(o.nonce, o.cspSource))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">
</head>
<body>
<main id="app" data-panel="${escapeHtml(o.kind)}" aria-label="${escapeHtml(o.title)}"></main>
<script nonce="${nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}

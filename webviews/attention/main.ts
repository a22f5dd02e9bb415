// The attention panel: probe images with one head's CLS attention overlaid (opacity, colormap),
// selectors for step, layer, head and image, and all heads of the chosen layer for the image.
// Message flow: posts `ready`; expects `init` (state.runDirs[0]), then `attention` (maps of one
// step, with `steps` listing every step that has maps, and the probe images or null);
// changing the step posts `requestAttention` {runDir, step} and the host answers with
// `attention`. Also `runRemoved`, `error`. Posts `uiState`.
import '../shared/panel.css';
import './attention.css';
import type { HostToPanelMessage } from '../../protocol/panelMessages.js';
import { colormapBar, colormapNames, isColormapName, type ColormapName } from '../shared/colormaps.js';
import { rangeControl, selectControl } from '../shared/controls.js';
import { connectToHost } from '../shared/hostBridge.js';
import { formatShort } from '../shared/numberFormat.js';
import { drawOverlay } from './overlay.js';
import { PanelBanners, heading, note } from '../shared/pageParts.js';

type AttentionMessage = Extract<HostToPanelMessage, { type: 'attention' }>;

const host = connectToHost('attention', { step: null as number | null, layer: 0, head: 0, image: 0, opacity: 0.6, colormap: 'inferno' as ColormapName });
const app = document.getElementById('app')!;
let runDir = '';
let current: AttentionMessage | undefined;
let requestedRestoredStep = false;

const title = heading('Attention maps');
const banners = new PanelBanners('The maps already shown stay visible until the panel is closed.');
const info = note('Waiting for attention maps: the run records them at each introspection step.');

const stepSelect = selectControl('Step', 'step', (value) => {
  const step = Number(value);
  host.updateUi({ step });
  host.post({ type: 'requestAttention', runDir, step });
});
const layerSelect = selectControl('Layer', 'layer', (v) => choose({ layer: Number(v) }));
const headSelect = selectControl('Head', 'head', (v) => choose({ head: Number(v) }));
const imageSelect = selectControl('Image', 'image', (v) => choose({ image: Number(v) }));
const colormapSelect = selectControl('Colormap', 'colormap', (v) => {
  if (isColormapName(v)) choose({ colormap: v });
});
const opacity = rangeControl('Opacity', 'opacity', { min: 0, max: 1, step: 0.05, value: host.ui.opacity, show: (v) => `${Math.round(v * 100)}%` }, (v) => choose({ opacity: v }));
const toolbar = document.createElement('div');
toolbar.className = 'toolbar';
toolbar.append(stepSelect.element, layerSelect.element, headSelect.element, imageSelect.element, colormapSelect.element, opacity.element);

const mainCanvas = document.createElement('canvas');
mainCanvas.className = 'overlay-main';
mainCanvas.setAttribute('role', 'img');
const legend = document.createElement('div');
legend.className = 'legend-bar';
const readout = document.createElement('div');
readout.className = 'readout';
readout.setAttribute('aria-live', 'polite');
const mainColumn = document.createElement('div');
mainColumn.append(mainCanvas, legend, readout);
const headsSection = document.createElement('section');
const headsTitle = document.createElement('h2');
const heads = document.createElement('div');
heads.className = 'heads';
heads.setAttribute('role', 'group');
headsSection.append(headsTitle, heads);
const mainRow = document.createElement('div');
mainRow.className = 'attention-main';
mainRow.append(mainColumn, headsSection);
app.append(title, banners.error, banners.removed, toolbar, info, mainRow);

function choose(change: Partial<typeof host.ui>): void {
  host.updateUi(change);
  render();
}

function mapOf(m: AttentionMessage, layer: number, image: number, head: number): Float32Array {
  const cells = m.grid * m.grid;
  const at = ((layer * m.images + image) * m.heads + head) * cells;
  return m.maps.subarray(at, at + cells);
}

function numbered(n: number, name: string): { value: string; label: string }[] {
  return Array.from({ length: n }, (_, i) => ({ value: String(i), label: `${name} ${i}` }));
}

function render(): void {
  const m = current;
  if (!m) return;
  const ui = host.ui;
  const layer = Math.min(ui.layer, m.layers - 1);
  const head = Math.min(ui.head, m.heads - 1);
  const image = Math.min(ui.image, m.images - 1);
  stepSelect.setOptions(m.steps.map((s) => ({ value: String(s), label: `step ${s}` })), String(m.step));
  layerSelect.setOptions(numbered(m.layers, 'layer'), String(layer));
  headSelect.setOptions(numbered(m.heads, 'head'), String(head));
  imageSelect.setOptions(numbered(m.images, 'image'), String(image));
  colormapSelect.setOptions(colormapNames.map((c) => ({ value: c, label: c })), ui.colormap);
  opacity.set(ui.opacity);
  opacity.input.disabled = !m.probe;
  info.hidden = !!m.probe;
  info.textContent = 'No probe images for this run: the attention maps are shown alone.';
  const map = mapOf(m, layer, image, head);
  drawOverlay(mainCanvas, 288, { probe: m.probe, image, map, grid: m.grid, colormap: ui.colormap, opacity: ui.opacity });
  mainCanvas.dataset.layer = String(layer);
  mainCanvas.dataset.head = String(head);
  mainCanvas.dataset.image = String(image);
  mainCanvas.setAttribute('aria-label', `Image ${image} with the CLS attention of layer ${layer}, head ${head}, at step ${m.step}`);
  let peak = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[peak]) peak = i;
  let min = Infinity;
  for (const v of map) min = Math.min(min, v);
  const bar = colormapBar(ui.colormap, 160, 10);
  bar.className = 'colormap-bar';
  legend.replaceChildren(Object.assign(document.createElement('span'), { textContent: formatShort(min) }), bar, Object.assign(document.createElement('span'), { textContent: formatShort(map[peak]) }));
  readout.textContent = `step ${m.step} · layer ${layer} · head ${head} · image ${image} · strongest patch (row ${Math.floor(peak / m.grid)}, column ${peak % m.grid}) = ${formatShort(map[peak])}`;
  headsTitle.textContent = `All heads of layer ${layer}, image ${image}`;
  renderHeads(m, layer, image, head);
}

function renderHeads(m: AttentionMessage, layer: number, image: number, selected: number): void {
  while (heads.children.length > m.heads) heads.lastElementChild!.remove();
  while (heads.children.length < m.heads) {
    const h = heads.children.length;
    const tile = document.createElement('div');
    tile.className = 'head-tile';
    tile.tabIndex = 0;
    tile.setAttribute('role', 'button');
    tile.dataset.head = String(h);
    const canvas = document.createElement('canvas');
    const label = document.createElement('span');
    label.textContent = `head ${h}`;
    tile.append(canvas, label);
    tile.setAttribute('aria-label', `head ${h}`);
    tile.addEventListener('click', () => choose({ head: h }));
    tile.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        choose({ head: h });
      }
    });
    heads.append(tile);
  }
  Array.from(heads.children).forEach((tile, h) => {
    tile.setAttribute('aria-pressed', String(h === selected));
    drawOverlay(tile.querySelector('canvas')!, 96, { probe: m.probe, image, map: mapOf(m, layer, image, h), grid: m.grid, colormap: host.ui.colormap, opacity: host.ui.opacity });
  });
}

function onMessage(message: HostToPanelMessage): void {
  switch (message.type) {
    case 'init':
      host.adoptState(message.state);
      runDir = message.state.runDirs[0] ?? '';
      break;
    case 'attention':
      if (runDir && message.runDir !== runDir) break;
      runDir = message.runDir;
      current = message;
      banners.clearError();
      render();
      // After a reload the host sends its default (latest) step; ask once for the restored one.
      if (!requestedRestoredStep && host.ui.step !== null && host.ui.step !== message.step && message.steps.includes(host.ui.step)) {
        host.post({ type: 'requestAttention', runDir, step: host.ui.step });
      }
      requestedRestoredStep = true;
      break;
    default:
      banners.handle(message);
  }
}

host.listen(onMessage);
host.ready();

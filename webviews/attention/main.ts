// The attention panel: probe images with one head's CLS attention overlaid (opacity, colormap,
// bilinear or the patch grid, each map's own colour scale or one shared by heads and steps), as
// wide as the panel lets it be, with a labelled colour bar marking the uniform 1/N weight, a
// read-out of the patch under the pointer, each image's label and the model's prediction; all
// heads of the chosen layer for the image, and all images for the chosen layer and head.
// Message flow: posts `ready`; expects `init` (state.runDirs[0]), then `attention` (maps of one
// step, with `steps` listing every step that has maps, and the probe images or null);
// changing the step posts `requestAttention` {runDir, step} and the host answers with
// `attention`. Also `runRemoved`, `error`. Posts `uiState`.
import '../shared/panel.css';
import './attention.css';
import type { HostToPanelMessage } from '../../protocol/panelMessages.js';
import { colormapBar, colormapNames, isColormapName, type ColormapName } from '../shared/colormaps.js';
import { button, checkboxControl, rangeControl, selectControl } from '../shared/controls.js';
import { chartTheme } from '../shared/theme.js';
import { attentionPng } from './pngExport.js';
import { connectToHost } from '../shared/hostBridge.js';
import { formatShort } from '../shared/numberFormat.js';
import { drawOverlay } from './overlay.js';
import { colourScale, isScaleMode, scaleModes, type ScaleMode } from './colourScale.js';
import { PanelBanners, heading, note } from '../shared/pageParts.js';

type AttentionMessage = Extract<HostToPanelMessage, { type: 'attention' }>;

const host = connectToHost('attention', { step: null as number | null, layer: 0, head: 0, image: 0, opacity: 0.6, colormap: 'inferno' as ColormapName, nearest: false, scale: 'map' as ScaleMode });
/** Tiles of the heads and images grids, CSS px. */
const tileSize = 96;
/** The main canvas follows its column's width up to this (CSS px). */
const maxMainSize = 1024;
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
const scaleSelect = selectControl('Colour scale', 'scale', (v) => {
  if (isScaleMode(v)) choose({ scale: v });
});
const nearestBox = checkboxControl('Patch grid (nearest neighbour)', 'nearest', host.ui.nearest, (checked) => choose({ nearest: checked }));
const opacity = rangeControl('Opacity', 'opacity', { min: 0, max: 1, step: 0.05, value: host.ui.opacity, show: (v) => `${Math.round(v * 100)}%` }, (v) => choose({ opacity: v }));
const toolbar = document.createElement('div');
toolbar.className = 'toolbar';
toolbar.append(stepSelect.element, layerSelect.element, headSelect.element, imageSelect.element, colormapSelect.element, scaleSelect.element, opacity.element, nearestBox, button('Export PNG', exportPng));

const mainCanvas = document.createElement('canvas');
mainCanvas.className = 'overlay-main';
mainCanvas.setAttribute('role', 'img');
const caption = document.createElement('div');
caption.className = 'probe-caption';
const legend = document.createElement('div');
legend.className = 'colour-scale';
const readout = document.createElement('div');
readout.className = 'readout';
readout.setAttribute('aria-live', 'polite');
const patchReadout = document.createElement('div');
patchReadout.className = 'patch-readout';
patchReadout.setAttribute('aria-live', 'polite');
const mainColumn = document.createElement('div');
mainColumn.className = 'main-column';
mainColumn.append(caption, mainCanvas, legend, patchReadout, readout);
const headsTitle = document.createElement('h2');
const heads = document.createElement('div');
heads.className = 'heads tiles';
heads.setAttribute('role', 'group');
const imagesTitle = document.createElement('h2');
const imagesGrid = document.createElement('div');
imagesGrid.className = 'images tiles';
imagesGrid.setAttribute('role', 'group');
const sideColumn = document.createElement('section');
sideColumn.className = 'side-column';
sideColumn.append(headsTitle, heads, imagesTitle, imagesGrid);
const mainRow = document.createElement('div');
mainRow.className = 'attention-main';
mainRow.append(mainColumn, sideColumn);
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

/** The map's side as wide as its column (the panel's width), in whole CSS px. */
function mainSize(): number {
  return Math.max(120, Math.min(maxMainSize, Math.floor(mainColumn.clientWidth)));
}

/** The class of probe image `i` (label or prediction) by name when the run recorded the names. */
function className(m: AttentionMessage, cls: number): string {
  return m.classNames?.[cls] ?? `class ${cls}`;
}

/** What probe image `i` is and what the model made of it; undefined when the run recorded neither. */
function labelOf(m: AttentionMessage, i: number): { label?: string; predicted?: string; correct?: boolean } | undefined {
  const label = m.labels?.[i];
  const predicted = m.predictions?.[i];
  if (label === undefined && predicted === undefined) return undefined;
  return {
    label: label === undefined ? undefined : className(m, label),
    predicted: predicted === undefined ? undefined : className(m, predicted),
    correct: label !== undefined && predicted !== undefined ? label === predicted : undefined,
  };
}

const mark = (correct: boolean | undefined) => (correct === undefined ? '' : correct ? ' ✓' : ' ✗');

/** The patch under the pointer, kept so the read-out follows head, layer and step changes. */
let hovered: { row: number; column: number } | undefined;

/** The layer, head and image chosen, within what the step's maps have (a run with fewer than chosen). */
function shownMap(m: NonNullable<typeof current>): { layer: number; head: number; image: number } {
  const ui = host.ui;
  return { layer: Math.min(ui.layer, m.layers - 1), head: Math.min(ui.head, m.heads - 1), image: Math.min(ui.image, m.images - 1) };
}

function render(): void {
  const m = current;
  if (!m) return;
  const ui = host.ui;
  const { layer, head, image } = shownMap(m);
  stepSelect.setOptions(m.steps.map((s) => ({ value: String(s), label: `step ${s}` })), String(m.step));
  layerSelect.setOptions(numbered(m.layers, 'layer'), String(layer));
  headSelect.setOptions(numbered(m.heads, 'head'), String(head));
  imageSelect.setOptions(numbered(m.images, 'image'), String(image));
  colormapSelect.setOptions(colormapNames.map((c) => ({ value: c, label: c })), ui.colormap);
  scaleSelect.setOptions(scaleModes.map((s) => ({ value: s.mode, label: s.label })), isScaleMode(ui.scale) ? ui.scale : 'map');
  nearestBox.checked = ui.nearest;
  opacity.set(ui.opacity);
  opacity.input.disabled = !m.probe;
  info.hidden = !!m.probe;
  info.textContent = 'No probe images for this run: the attention maps are shown alone.';
  const map = mapOf(m, layer, image, head);
  const scaleOf = colourScale(ui.scale, m.maps);
  const scale = scaleOf(map);
  const size = mainSize();
  drawOverlay(mainCanvas, size, { probe: m.probe, image, map, grid: m.grid, colormap: ui.colormap, opacity: ui.opacity, nearest: ui.nearest, scale });
  mainCanvas.dataset.layer = String(layer);
  mainCanvas.dataset.head = String(head);
  mainCanvas.dataset.image = String(image);
  mainCanvas.dataset.size = String(size);
  mainCanvas.setAttribute('aria-label', `Image ${image} with the CLS attention of layer ${layer}, head ${head}, at step ${m.step}`);
  const l = labelOf(m, image);
  caption.textContent = `Image ${image}: ${l ? `label ${l.label ?? 'not recorded'} · predicted ${l.predicted ?? 'not recorded'}${mark(l.correct)}` : 'label and prediction not recorded in this run'}`;
  caption.dataset.correct = l?.correct === undefined ? '' : String(l.correct);
  let peak = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[peak]) peak = i;
  renderLegend(m, scale, size);
  readout.textContent = `step ${m.step} · layer ${layer} · head ${head} · image ${image} · strongest patch (row ${Math.floor(peak / m.grid)}, column ${peak % m.grid}) = ${formatShort(map[peak])}`;
  renderPatchReadout();
  headsTitle.textContent = `All heads of layer ${layer}, image ${image}`;
  renderTiles(heads, m.heads, 'head', head, (h) => choose({ head: h }), (h, canvas) => {
    const x = mapOf(m, layer, image, h);
    drawOverlay(canvas, tileSize, { probe: m.probe, image, map: x, grid: m.grid, colormap: ui.colormap, opacity: ui.opacity, nearest: ui.nearest, scale: scaleOf(x) });
    return `head ${h}`;
  });
  imagesTitle.textContent = `All images, layer ${layer}, head ${head}`;
  renderTiles(imagesGrid, m.images, 'image', image, (i) => choose({ image: i }), (i, canvas) => {
    const x = mapOf(m, layer, i, head);
    drawOverlay(canvas, tileSize, { probe: m.probe, image: i, map: x, grid: m.grid, colormap: ui.colormap, opacity: ui.opacity, nearest: ui.nearest, scale: scaleOf(x) });
    const l = labelOf(m, i);
    return l ? `${i}: ${l.label ?? '?'} → ${l.predicted ?? '?'}${mark(l.correct)}` : `image ${i}`;
  });
}

/** The uniform weight: the CLS query's softmax runs over the CLS token and the grid² patches. */
function uniformWeight(m: AttentionMessage): number {
  return 1 / (m.grid * m.grid + 1);
}

/** A colour bar as wide as the map: ticks with values, its title, and the uniform 1/N marked. */
function renderLegend(m: AttentionMessage, [lo, hi]: [number, number], size: number): void {
  const bar = colormapBar(host.ui.colormap, size, 12);
  bar.className = 'colormap-bar';
  bar.style.width = `${size}px`;
  const track = document.createElement('div');
  track.className = 'scale-track';
  track.style.width = `${size}px`;
  track.append(bar);
  const at = (v: number) => `${((v - lo) / (hi - lo)) * 100}%`;
  const ticks = 5;
  for (let k = 0; k < ticks; k++) {
    const v = lo + ((hi - lo) * k) / (ticks - 1);
    const tick = document.createElement('span');
    tick.className = `scale-tick${k === 0 ? ' first' : k === ticks - 1 ? ' last' : ''}`;
    tick.style.left = at(v);
    tick.dataset.value = String(v);
    tick.textContent = formatShort(v);
    track.append(tick);
  }
  const uniform = uniformWeight(m);
  const n = m.grid * m.grid + 1;
  const inside = uniform >= lo && uniform <= hi;
  const mark = document.createElement('span');
  mark.className = 'baseline-mark';
  mark.hidden = !inside;
  mark.style.left = at(Math.min(hi, Math.max(lo, uniform)));
  mark.title = `uniform attention 1/N = ${formatShort(uniform)}`;
  track.append(mark);
  const title = document.createElement('div');
  title.className = 'scale-title';
  const where = inside ? 'the line on the bar' : uniform < lo ? 'below this scale' : 'above this scale';
  title.textContent = `CLS attention weight (${(scaleModes.find((s) => s.mode === host.ui.scale) ?? scaleModes[0]).title}) · uniform 1/N = ${formatShort(uniform)}, N = ${n} tokens: ${where}`;
  legend.replaceChildren(track, title);
  legend.dataset.lo = String(lo);
  legend.dataset.hi = String(hi);
}

/** The map shown, with its caption and colour bar, as one PNG at 2× (pngExport.ts). */
function exportPng(): void {
  const m = current;
  if (!m) return;
  const ui = host.ui;
  const { layer, head, image } = shownMap(m);
  const map = mapOf(m, layer, image, head);
  const scale = colourScale(ui.scale, m.maps)(map);
  const dataUrl = attentionPng(
    {
      overlay: { probe: m.probe, image, map, grid: m.grid, colormap: ui.colormap, opacity: ui.opacity, nearest: ui.nearest, scale },
      // The size shown, at most 512 CSS px (1024 px in the file).
      size: Math.min(512, mainSize()),
      heading: `CLS attention · step ${m.step} · layer ${layer} · head ${head}`,
      caption: caption.textContent ?? '',
      scaleTitle: `CLS attention weight (${(scaleModes.find((s) => s.mode === ui.scale) ?? scaleModes[0]).title}); the mark: uniform 1/N = ${formatShort(uniformWeight(m))}`,
      uniform: uniformWeight(m),
    },
    chartTheme(),
  );
  host.post({ type: 'exportPng', name: `attention-step${m.step}-layer${layer}-head${head}-image${image}.png`, dataUrl });
}

function renderPatchReadout(): void {
  const m = current;
  if (!m || !hovered) {
    patchReadout.textContent = 'Point at a patch for its weight.';
    return;
  }
  const { layer, head, image } = shownMap(m);
  const map = mapOf(m, layer, image, head);
  const w = map[hovered.row * m.grid + hovered.column];
  patchReadout.textContent = `patch row ${hovered.row}, column ${hovered.column}: ${formatShort(w)} = ${formatShort(w / uniformWeight(m))} × uniform 1/N`;
}

mainCanvas.addEventListener('mousemove', (e) => {
  const m = current;
  if (!m) return;
  const size = mainCanvas.clientWidth;
  const clamp = (x: number) => Math.max(0, Math.min(m.grid - 1, Math.floor((x / size) * m.grid)));
  hovered = { row: clamp(e.offsetY), column: clamp(e.offsetX) };
  renderPatchReadout();
});
mainCanvas.addEventListener('mouseleave', () => {
  hovered = undefined;
  renderPatchReadout();
});

// The map follows its column's width (the panel's width), redrawn once per frame at most.
let resizeFrame = 0;
new ResizeObserver(() => {
  if (!current || Number(mainCanvas.dataset.size) === mainSize()) return;
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(render);
}).observe(mainColumn);

/** Selectable tiles (head or image): `draw` paints tile i's canvas and returns its caption. */
function renderTiles(group: HTMLElement, count: number, key: 'head' | 'image', selected: number, pick: (i: number) => void, draw: (i: number, canvas: HTMLCanvasElement) => string): void {
  while (group.children.length > count) group.lastElementChild!.remove();
  while (group.children.length < count) {
    const i = group.children.length;
    const tile = document.createElement('div');
    tile.className = `${key}-tile tile`;
    tile.tabIndex = 0;
    tile.setAttribute('role', 'button');
    tile.dataset[key] = String(i);
    const canvas = document.createElement('canvas');
    const label = document.createElement('span');
    label.className = 'tile-caption';
    tile.append(canvas, label);
    tile.addEventListener('click', () => pick(i));
    tile.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        pick(i);
      }
    });
    group.append(tile);
  }
  Array.from(group.children).forEach((tile, i) => {
    tile.setAttribute('aria-pressed', String(i === selected));
    const text = draw(i, tile.querySelector('canvas')!);
    tile.querySelector('.tile-caption')!.textContent = text;
    tile.setAttribute('aria-label', text);
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

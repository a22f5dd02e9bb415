// The figures of a config's model that the editor shows (hover, inlay hints): parameter count
// and forward FLOPs per image of the resolved shape, and the Table 4 row of a size preset.
// Computed by the model zoo's own tfjs-free counters, never re-derived here.
import { type SizeId, presets } from '../../trainer/model/architecture.js';
import { forwardFlopsPerImage } from '../../trainer/model/cost.js';
import { countParameters } from '../../trainer/model/parameters.js';
import { type ResolvedConfig, modelShape } from '../../trainer/config/index.js';

export interface ModelFigures {
  parameters: number;
  flopsPerImage: number;
}

export function modelFigures(config: ResolvedConfig): ModelFigures {
  const shape = modelShape(config.model);
  return { parameters: countParameters(shape), flopsPerImage: forwardFlopsPerImage(shape) };
}

/** 4812394 → "4.81M", as Table 4 writes counts (three significant digits). */
export function compactNumber(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) if (Math.abs(n) >= size) return `${Number((n / size).toPrecision(3))}${unit}`;
  return String(n);
}

/** 4812394 → "4,812,394", independent of the server's locale. */
export function groupedNumber(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The inlay hint's label, short enough never to be cut off: "4.81M params · 1.26G FLOPs" (forward, per image: the tooltip says so). */
export function figuresLabel(f: ModelFigures): string {
  return `${compactNumber(f.parameters)} params · ${compactNumber(f.flopsPerImage)} FLOPs`;
}

export function figuresMarkdown(config: ResolvedConfig, f: ModelFigures): string {
  const m = config.model;
  return [
    `**This config** (${m.arch}, ${m.image}×${m.image}×${m.channels}, patch ${m.patch}, L=${m.depth}, d=${m.width}, K=${m.heads}, ${m.classes} classes):`,
    `${groupedNumber(f.parameters)} parameters (${compactNumber(f.parameters)}), ${compactNumber(f.flopsPerImage)} FLOPs per image (forward).`,
  ].join('\n\n');
}

const tableHeader = ['| size | L | d | K | patch | CRATE-α params | CRATE params |', '|---|---|---|---|---|---|---|'];

function tableRow(size: SizeId): string {
  const p = presets[size];
  return `| ${size} | ${p.depth} | ${p.dim} | ${p.heads} | ${p.patch} | ${p.paramsMillions['crate-alpha'].toFixed(1)}M | ${p.paramsMillions.crate.toFixed(1)}M |`;
}

/** Table 4 of the CRATE-α paper (Yang et al. 2024; 224×224, 1000 classes): one size's row, or all of them. */
export function table4Markdown(sizes: readonly SizeId[]): string {
  return ['Table 4 (224×224 images, 1000 classes):', '', ...tableHeader, ...sizes.map(tableRow)].join('\n');
}

export const isSize = (s: unknown): s is SizeId => typeof s === 'string' && Object.hasOwn(presets, s);

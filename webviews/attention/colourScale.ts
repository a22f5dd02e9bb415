// Which weights the colormap's ends stand for: each map's own range (the most contrast), or one
// scale shared so that colours compare across maps: over every map of the step (all layers, heads
// and images), or the whole range of a softmax weight, 0 to 1 (the same at every step).
import { mapRange } from './overlay.js';

export const scaleModes = [
  { mode: 'map', label: 'Each map', title: "each map's own range" },
  { mode: 'step', label: 'Shared: step', title: 'shared by all maps of this step' },
  { mode: 'fixed', label: 'Shared: 0–1', title: 'shared by every map at every step: 0 to 1' },
] as const;
export type ScaleMode = (typeof scaleModes)[number]['mode'];

export function isScaleMode(value: string): value is ScaleMode {
  return scaleModes.some((s) => s.mode === value);
}

/**
 * The scale of each map of a step: [weight at the colormap's low end, weight at its high end].
 * An unknown mode (a state from another version) is the map's own range.
 */
export function colourScale(mode: string, stepMaps: Float32Array): (map: Float32Array) => [number, number] {
  if (mode === 'fixed') return () => [0, 1];
  if (mode === 'step') {
    const shared: [number, number] = [0, mapRange(stepMaps)[1]];
    return () => shared;
  }
  return mapRange;
}

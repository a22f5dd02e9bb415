// A labelled colour bar: the colormap, tick marks at nice values of its scale with their labels
// under it, and a title naming the quantity and its unit. Ticks are DOM elements placed at
// the value's position along the bar, so they read with the panel's font and theme.
import { colormapBar, type ColormapName } from './colormaps.js';
import { formatShort } from './numberFormat.js';
import { niceTicks } from './ticks.js';

const barWidth = 200;

export class ColorBar {
  readonly element: HTMLDivElement;
  private readonly ticks: HTMLDivElement;

  constructor(title: string, colormap: ColormapName) {
    this.element = document.createElement('div');
    this.element.className = 'colorbar';
    const label = document.createElement('div');
    label.className = 'colorbar-title';
    label.textContent = title;
    const bar = colormapBar(colormap, barWidth, 10);
    bar.className = 'colormap-bar';
    bar.setAttribute('aria-hidden', 'true');
    this.ticks = document.createElement('div');
    this.ticks.className = 'colorbar-ticks';
    const scale = document.createElement('div');
    scale.className = 'colorbar-scale';
    scale.style.width = `${barWidth}px`;
    scale.append(bar, this.ticks);
    this.element.append(label, scale);
    this.element.setAttribute('role', 'img');
  }

  /** The scale [lo, hi] the colormap spans (lo = hi: a flat scale, one tick in the middle). */
  setRange(lo: number, hi: number): void {
    const values = hi > lo ? niceTicks(lo, hi, 4) : Number.isFinite(lo) ? [lo] : [];
    this.ticks.replaceChildren(
      ...values.map((v) => {
        const tick = document.createElement('span');
        tick.className = 'colorbar-tick';
        tick.textContent = formatShort(v);
        tick.dataset.value = String(v);
        tick.style.left = `${hi > lo ? ((v - lo) / (hi - lo)) * barWidth : barWidth / 2}px`;
        return tick;
      }),
    );
    this.element.setAttribute('aria-label', `colour scale from ${formatShort(lo)} to ${formatShort(hi)}`);
  }
}

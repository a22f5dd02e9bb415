// "Export PNG" of the layers panel: its per-layer line charts (shared/chartImage.ts: titles,
// legends, axis titles) and its layer × step heatmaps, each painted anew at 2× with its ticked,
// titled colour bar, on the theme's background; a data URL the host saves.
import { chartsPng, exportCell, exportScale } from '../shared/chartImage.js';
import { axisTickLabels } from '../shared/axisFormat.js';
import { colormapBar } from '../shared/colormaps.js';
import type { ChartTheme } from '../shared/theme.js';
import { niceTicks } from '../shared/ticks.js';
import type { Heatmap } from './heatmap.js';
import type { LayerLines } from './layerLines.js';

const barWidth = 240;
/** Title above a heatmap, and its colour bar, tick labels and scale title under it (CSS px). */
const titleHeight = 22;
const barBlockHeight = 52;

export function layersPng(lines: LayerLines[], heatmaps: Heatmap[], theme: ChartTheme, heading: string): string {
  const mapWidth = exportCell.width - 16;
  const maps = heatmaps.map((h) => h.exportCanvas(mapWidth, exportScale));
  const cellHeights = maps.map((m) => titleHeight + m.canvas.height / exportScale + barBlockHeight);
  const rowHeights: number[] = [];
  for (let i = 0; i < maps.length; i += 2) rowHeights.push(Math.max(cellHeights[i], cellHeights[i + 1] ?? 0));
  const family = theme.font.replace(/^\d+px\s*/, '');
  return chartsPng(
    lines.flatMap((l) => l.image() ?? []),
    theme,
    {
      columns: 2,
      heading,
      extra: {
        height: rowHeights.reduce((a, b) => a + b, 0),
        draw(ctx, top) {
          maps.forEach((m, i) => {
            const x = (i % 2) * exportCell.width + 8;
            const y = top + rowHeights.slice(0, Math.floor(i / 2)).reduce((a, b) => a + b, 0);
            const h = m.canvas.height / exportScale;
            ctx.fillStyle = theme.foreground;
            ctx.font = `bold 13px ${family}`;
            ctx.textBaseline = 'middle';
            ctx.textAlign = 'left';
            ctx.fillText(m.title, x, y + titleHeight / 2);
            ctx.drawImage(m.canvas, x, y + titleHeight, mapWidth, h);
            const barTop = y + titleHeight + h + 6;
            ctx.imageSmoothingEnabled = false;
            ctx.drawImage(colormapBar(m.colormap, barWidth * exportScale, 1), x + 64, barTop, barWidth, 10);
            ctx.imageSmoothingEnabled = true;
            const [lo, hi] = m.range;
            const ticks = hi > lo ? niceTicks(lo, hi, 4).filter((v) => v >= lo && v <= hi) : [lo];
            ctx.font = `11px ${family}`;
            ctx.textAlign = 'center';
            ctx.textBaseline = 'top';
            axisTickLabels(ticks).forEach((label, k) => {
              const tx = x + 64 + (hi > lo ? ((ticks[k] - lo) / (hi - lo)) * barWidth : barWidth / 2);
              ctx.fillRect(tx, barTop + 10, 1, 4);
              ctx.fillText(label, tx, barTop + 15);
            });
            ctx.textAlign = 'left';
            ctx.fillText(m.scaleTitle, x + 64, barTop + 30);
          });
        },
      },
    },
  );
}

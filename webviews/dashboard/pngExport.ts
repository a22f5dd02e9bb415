// "Export PNG": the dashboard's charts re-drawn for a paper or a slide (shared/chartImage.ts): at
// 2×, two columns, each with its title, legend (swatches and latest values) and axis titles, on
// the theme's background, under a heading naming the runs; a data URL the host saves.
import { chartsPng } from '../shared/chartImage.js';
import type { ChartTheme } from '../shared/theme.js';
import type { TimeChart } from './timeChart.js';

export function composeChartsPng(charts: TimeChart[], theme: ChartTheme, runNames: string[]): string {
  const images = charts.flatMap((c) => c.image() ?? []);
  return chartsPng(images, theme, { columns: 2, heading: runNames.join(' · ') });
}

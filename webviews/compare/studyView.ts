// The SRR study in the Compare panel (3 or more runs; docs/study.md): the table of Kendall's τ of
// each complexity measure with the generalization gap (per hyperparameter, Ψ, overall; each cell
// with n and its bootstrap interval), the runs left out and why, one scatter per measure with the
// points coloured by model type, the regularizer's accuracy table when a run used it, and
// "Export CSV" / "Export LaTeX" for each table (the host saves the text crate-lab study prints).
import type { PanelToHostMessage, StudyTableId } from '../../protocol/panelMessages.js';
import type { RegularizerCell, StudyCell, StudyResult } from '../../protocol/studyData.js';
import { button } from '../shared/controls.js';
import { formatNumber } from '../shared/numberFormat.js';
import { runColor } from '../shared/theme.js';
import { type DrawnPoint, drawMeasureScatter } from './measureScatter.js';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

const fixed = (v: number, digits: number): string => (v < 0 ? `−${(-v).toFixed(digits)}` : v.toFixed(digits));

/** "n=4, 2 groups" for ψ_h and Ψ; "n=5" for the overall τ. */
function nText(c: StudyCell, overall: boolean): string {
  return overall || c.groups === 0 ? `n=${c.runs}` : `n=${c.runs}, ${c.groups} group${c.groups === 1 ? '' : 's'}`;
}

function studyCellElement(c: StudyCell, overall: boolean): HTMLTableCellElement {
  const td = el('td', { className: 'study-cell' });
  td.append(el('span', { className: 'value' }, c.value === null ? '—' : fixed(c.value, 3)));
  if (c.interval) td.append(' ', el('span', { className: 'interval' }, `[${fixed(c.interval.lower, 2)}, ${fixed(c.interval.upper, 2)}]`));
  td.append(' ', el('span', { className: 'n' }, nText(c, overall)));
  td.title = c.value === null ? 'undefined: no group of two runs with different values, or ties throughout' : `${c.value}${c.interval ? `, interval [${c.interval.lower}, ${c.interval.upper}] from ${c.interval.defined} resamples` : ''}`;
  return td;
}

function regularizerCellElement(c: RegularizerCell | null): HTMLTableCellElement {
  if (!c) return el('td', { className: 'study-cell', title: 'no run of this model type has this setting' }, '—');
  const td = el('td', { className: 'study-cell' }, el('span', { className: 'value' }, `${(100 * c.accuracy).toFixed(2)}%`));
  if (c.change !== null) td.append(' ', el('span', { className: 'change' }, `${c.change >= 0 ? '+' : '−'}${(100 * Math.abs(c.change)).toFixed(2)} pt`));
  td.append(' ', el('span', { className: 'n' }, `n=${c.runs}`));
  td.title = `mean accuracy ${c.accuracy}${c.change === null ? '' : `, change against off ${c.change}`}`;
  return td;
}

interface Scatter {
  measure: string;
  label: string;
  canvas: HTMLCanvasElement;
  readout: HTMLDivElement;
  drawn: DrawnPoint[];
  picked: number | null;
}

export class StudyView {
  readonly element = el('section', { className: 'study', hidden: true });
  private readonly summary = el('p', { className: 'note study-summary' });
  private readonly table = el('table');
  private readonly leftOut = el('ul', { className: 'left-out' });
  private readonly legend = el('ul', { className: 'study-legend' });
  private readonly scatterGrid = el('div', { className: 'grid study-scatters' });
  private readonly scatterHeading = el('h2', {}, 'Each measure against the generalization gap');
  private readonly regularizer = el('section', { className: 'study-regularizer', hidden: true });
  private readonly regularizerTable = el('table');
  private readonly regularizerNote = el('p', { className: 'note' });
  private readonly measuresExport = this.exportBar('measures');
  private scatters: Scatter[] = [];
  private result: StudyResult | undefined;

  constructor(private readonly post: (m: PanelToHostMessage) => void) {
    this.table.dataset.table = 'study';
    this.regularizerTable.dataset.table = 'regularizer';
    this.summary.setAttribute('aria-live', 'polite');
    this.regularizer.append(el('h2', {}, 'The SRR regularizer: final held-out accuracy per model type'), this.regularizerNote, this.regularizerTable, this.exportBar('regularizer'));
    this.element.append(
      el('h2', {}, "SRR study: Kendall's τ of each complexity measure with the generalization gap"),
      this.summary,
      this.table,
      this.measuresExport,
      this.leftOut,
      this.scatterHeading,
      this.legend,
      this.scatterGrid,
      this.regularizer,
    );
  }

  private exportBar(table: StudyTableId): HTMLDivElement {
    const bar = el('div', { className: 'toolbar' });
    for (const format of ['csv', 'latex'] as const) {
      const b = button(format === 'csv' ? 'Export CSV' : 'Export LaTeX', () => this.post({ type: 'exportStudy', table, format }), { secondary: format === 'latex' });
      b.dataset.export = `${table}-${format}`;
      bar.append(b);
    }
    return bar;
  }

  show(result: StudyResult): void {
    this.result = result;
    this.element.hidden = false;
    this.leftOut.replaceChildren(...result.leftOut.map((l) => el('li', {}, `Left out: ${l.runDir}: ${l.reason}`)));
    const level = Math.round(100 * result.bootstrap.level);
    if (result.refused) {
      this.summary.textContent = `Not computed: ${result.refused}`;
      this.table.hidden = true;
      this.measuresExport.hidden = true;
    } else {
      this.summary.textContent = `Over ${result.points.length} completed run${result.points.length === 1 ? '' : 's'} with measures. Cells: τ, its ${level}% percentile bootstrap interval (${result.bootstrap.resamples} resamples, seed ${result.bootstrap.seed}) and n (runs, and groups of runs differing only in that column). Ψ is the mean of the defined hyperparameter columns.`;
      this.table.hidden = false;
      this.measuresExport.hidden = false;
      this.renderTable(result);
    }
    this.renderRegularizer(result);
    this.scatters = result.rows.map((r) => {
      const previous = this.scatters.find((s) => s.measure === r.measure);
      return { measure: r.measure, label: r.label, canvas: this.scatterCanvas(r.label), readout: el('div', { className: 'readout' }), drawn: [], picked: previous?.picked ?? null };
    });
    this.scatterGrid.replaceChildren(
      ...this.scatters.map((s) => {
        const section = el('section', {}, el('h3', {}, s.label), s.canvas, s.readout);
        section.dataset.measure = s.measure;
        s.readout.setAttribute('aria-live', 'polite');
        this.wire(s);
        return section;
      }),
    );
    const types = this.modelTypes();
    this.legend.replaceChildren(...types.map((t) => el('li', {}, el('span', { className: 'swatch' }), `model type ${t}`)));
    this.legend.hidden = types.length === 0;
    this.scatterHeading.hidden = this.scatters.length === 0;
    this.redraw();
  }

  private modelTypes(): string[] {
    return [...new Set(this.result?.points.map((p) => p.modelType) ?? [])].sort();
  }

  private renderTable(r: StudyResult): void {
    const head = el('tr', {}, el('th', { scope: 'col' }, 'measure'), ...r.columns.map((c) => el('th', { scope: 'col' }, c.label)));
    const body = r.rows.map((row) => el('tr', {}, el('th', { scope: 'row' }, row.label), ...row.cells.map((c, i) => studyCellElement(c, r.columns[i].id === 'overall'))));
    this.table.replaceChildren(el('caption', {}, "Kendall's τ-b with the generalization gap (granulated per hyperparameter, Ψ, overall)"), el('thead', {}, head), el('tbody', {}, ...body));
  }

  private renderRegularizer(r: StudyResult): void {
    const t = r.regularizer;
    this.regularizer.hidden = !t?.used;
    if (!t?.used) return;
    this.regularizerNote.textContent = `Mean final ${t.splits.join('/') || 'held-out'} accuracy of the completed runs; in each cell the change against the same model type without the regularizer (percentage points) and n.${t.leftOut.length > 0 ? ` Left out (no final accuracy): ${t.leftOut.join(', ')}.` : ''}`;
    const head = el('tr', {}, el('th', { scope: 'col' }, 'model type'), ...t.settings.map((s) => el('th', { scope: 'col' }, s.label)));
    const body = t.rows.map((row) => el('tr', {}, el('th', { scope: 'row' }, row.modelType), ...row.cells.map(regularizerCellElement)));
    this.regularizerTable.replaceChildren(el('caption', {}, 'Final held-out accuracy by model type and regularizer setting'), el('thead', {}, head), el('tbody', {}, ...body));
  }

  private scatterCanvas(label: string): HTMLCanvasElement {
    const c = el('canvas', { className: 'study-scatter', tabIndex: 0 });
    c.setAttribute('role', 'img');
    c.setAttribute('aria-label', `${label} against the generalization gap, one point per run, coloured by model type`);
    c.setAttribute('aria-description', `Arrow keys pick a run (in order of ${label}), Home and End the first and last`);
    return c;
  }

  private describe(s: Scatter): void {
    const r = this.result!;
    const p = s.drawn.find((d) => d.run === s.picked);
    if (!p) {
      s.readout.textContent = s.drawn.length > 0 ? 'Point at a run, or focus the plot and use the arrow keys, to read its values.' : '';
      return;
    }
    const run = r.points[p.run];
    const name = run.name && run.name !== run.id ? `${run.name} (${run.id})` : run.id;
    s.readout.textContent = `${name}: ${s.label} ${formatNumber(p.x)}, generalization gap ${formatNumber(p.gap)}, model type ${run.modelType}`;
  }

  private draw(s: Scatter): void {
    const r = this.result!;
    const types = this.modelTypes();
    const points = r.points.flatMap((p, run) => {
      const x = p.measures[s.measure];
      return x === null || x === undefined ? [] : [{ run, x, gap: p.gap, color: runColor(types.indexOf(p.modelType)) }];
    });
    s.drawn = drawMeasureScatter(s.canvas, points, s.label, s.picked);
    this.describe(s);
  }

  private wire(s: Scatter): void {
    const pick = (run: number) => {
      if (run === s.picked) return;
      s.picked = run;
      this.draw(s);
    };
    s.canvas.addEventListener('keydown', (e) => {
      if (s.drawn.length === 0) return;
      const at = s.drawn.findIndex((p) => p.run === s.picked);
      const last = s.drawn.length - 1;
      const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: last }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      pick(s.drawn[Math.max(0, Math.min(last, at < 0 && next < 0 ? last : next))].run);
    });
    s.canvas.addEventListener('mousemove', (e) => {
      const box = s.canvas.getBoundingClientRect();
      const near = s.drawn.find((p) => Math.hypot(p.left - (e.clientX - box.left), p.top - (e.clientY - box.top)) <= 8);
      if (near) pick(near.run);
    });
  }

  /** Draws the scatters again (after a theme change). */
  redraw(): void {
    if (!this.result) return;
    for (const s of this.scatters) this.draw(s);
    // The legend's swatches in the points' colours (CSSOM, which the CSP allows, not a style attribute).
    this.legend.querySelectorAll<HTMLElement>('.swatch').forEach((sw, i) => (sw.style.background = runColor(i)));
  }
}

// Compare's "Tags and notes": each compared run's tags and note (its annotations.json, as the run
// summaries carry them), so that a comparison says what each run was for. Hidden while no run has
// either; follows the summaries as they change (a tag edited while the panel is open).
import type { RunSummary } from '../../protocol/runData.js';

/** A compared run as the panel labels it. */
export interface IdentityRow {
  /** The run's short label, as the legend and tables show it; `title` its full name and id. */
  name: string;
  title: string;
  color: string;
  run: RunSummary | undefined;
}

export class RunIdentityView {
  readonly element = document.createElement('section');
  private readonly table = document.createElement('table');

  constructor() {
    this.element.dataset.section = 'run-identity';
    this.table.dataset.table = 'run-identity';
    this.element.append(Object.assign(document.createElement('h2'), { textContent: 'Tags and notes' }), this.table);
    this.element.hidden = true;
  }

  show(rows: IdentityRow[]): void {
    this.element.hidden = !rows.some((r) => r.run?.tags?.length || r.run?.note);
    if (this.element.hidden) return;
    const head = document.createElement('tr');
    for (const text of ['run', 'tags', 'note']) head.append(Object.assign(document.createElement('th'), { textContent: text }));
    this.table.replaceChildren(head);
    for (const { name, title, color, run } of rows) {
      const tr = document.createElement('tr');
      const nameCell = document.createElement('td');
      const swatch = Object.assign(document.createElement('span'), { className: 'swatch' });
      swatch.style.background = color;
      nameCell.append(swatch, name);
      nameCell.title = title;
      const tags = document.createElement('td');
      tags.className = 'run-tags';
      for (const tag of run?.tags ?? []) tags.append(Object.assign(document.createElement('span'), { className: 'run-tag', textContent: `#${tag}` }), ' ');
      const note = Object.assign(document.createElement('td'), { className: 'run-note', textContent: run?.note ?? '' });
      tr.append(nameCell, tags, note);
      this.table.append(tr);
    }
  }
}

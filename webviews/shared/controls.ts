// Labelled form controls of the panels: @vscode-elements components (they follow the VS Code
// theme and keyboard conventions) and, for sliders, which that package lacks, a native range
// input styled in panel.css. Each returns its element; callers wire the change handler.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';

let nextId = 0;

function controlId(name: string): string {
  return `ctl-${name}-${nextId++}`;
}

/** A <div class="control"> holding a visible label for `control`. */
function labelled(text: string, control: HTMLElement): HTMLDivElement {
  const wrap = document.createElement('div');
  wrap.className = 'control';
  const label = document.createElement('label');
  label.textContent = text;
  label.htmlFor = control.id;
  wrap.append(label, control);
  return wrap;
}

export function button(text: string, onClick: () => void, options: { secondary?: boolean; title?: string } = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = text;
  if (options.secondary) b.setAttribute('secondary', '');
  if (options.title) b.title = options.title;
  b.addEventListener('click', onClick);
  return b;
}

export interface SelectControl {
  element: HTMLElement;
  select: VscodeSingleSelect;
  setOptions(options: { value: string; label: string }[], value: string): void;
  setValue(value: string): void;
}

export function selectControl(label: string, name: string, onChange: (value: string) => void): SelectControl {
  const select = document.createElement('vscode-single-select') as VscodeSingleSelect;
  select.id = controlId(name);
  select.setAttribute('aria-label', label);
  select.dataset.control = name;
  select.addEventListener('change', () => onChange(select.value));
  let current: string[] = [];
  return {
    element: labelled(label, select),
    select,
    setOptions(options, value) {
      const values = options.map((o) => `${o.value}\u0000${o.label}`);
      if (values.join('\u0001') !== current.join('\u0001')) {
        current = values;
        select.replaceChildren(
          ...options.map((o) => {
            const opt = document.createElement('vscode-option');
            opt.setAttribute('value', o.value);
            opt.textContent = o.label;
            return opt;
          }),
        );
      }
      select.value = value;
    },
    setValue(value) {
      select.value = value;
    },
  };
}

export function checkboxControl(label: string, name: string, checked: boolean, onChange: (checked: boolean) => void): VscodeCheckbox {
  const box = document.createElement('vscode-checkbox') as VscodeCheckbox;
  box.id = controlId(name);
  box.dataset.control = name;
  box.label = label;
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

export interface RangeControl {
  element: HTMLDivElement;
  input: HTMLInputElement;
  /** Sets bounds and value without firing the change handler. */
  set(value: number, min?: number, max?: number): void;
}

/** A slider with its current value shown next to it (`show` formats it). */
export function rangeControl(
  label: string,
  name: string,
  o: { min: number; max: number; step: number; value: number; show: (v: number) => string },
  onInput: (value: number) => void,
): RangeControl {
  const input = document.createElement('input');
  input.type = 'range';
  input.id = controlId(name);
  input.dataset.control = name;
  input.min = String(o.min);
  input.max = String(o.max);
  input.step = String(o.step);
  input.value = String(o.value);
  const output = document.createElement('output');
  output.htmlFor.add(input.id);
  const show = () => {
    output.textContent = o.show(Number(input.value));
    input.setAttribute('aria-valuetext', output.textContent);
  };
  show();
  input.addEventListener('input', () => {
    show();
    onInput(Number(input.value));
  });
  const element = labelled(label, input);
  element.append(output);
  return {
    element,
    input,
    set(value, min, max) {
      if (min !== undefined) input.min = String(min);
      if (max !== undefined) input.max = String(max);
      input.value = String(value);
      show();
    },
  };
}

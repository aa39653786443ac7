/**
 * The only module of the spec editor's webview that knows about `@vscode/webview-ui-toolkit` (deprecated upstream,
 * archived January 2025, still working in VS Code's webviews): the page loads `toolkit.min.js` as a module, which
 * defines the `vscode-*` custom elements; this module creates them and wraps each in a small handle, so that a
 * replacement (plain HTML, or another component library) touches this file only.
 *
 * Styles address the classes set here (`input-control`, `choice-group`, `data-grid`, `spinner`), not the tag names.
 *
 * The components fire `change` also when their value is set from code; handles therefore remember the value they
 * last showed and report only changes made by the user.
 */

const TAGS = [
  'vscode-button',
  'vscode-text-field',
  'vscode-dropdown',
  'vscode-option',
  'vscode-checkbox',
  'vscode-radio-group',
  'vscode-radio',
  'vscode-data-grid',
  'vscode-link',
  'vscode-divider',
  'vscode-badge',
  'vscode-progress-ring',
];

/** Resolves once the toolkit's elements are defined (or after `timeoutMs`, so that the form shows regardless). */
export async function toolkitReady(timeoutMs = 3000): Promise<boolean> {
  if (typeof customElements === 'undefined') return false;
  const defined = Promise.all(TAGS.map((tag) => customElements.whenDefined(tag))).then(() => true);
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs));
  return Promise.race([defined, timeout]);
}

type ToolkitElement = HTMLElement & Record<string, unknown>;

function create(tag: string, attributes: Record<string, string> = {}, text?: string): ToolkitElement {
  const element = document.createElement(tag) as ToolkitElement;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// ---------------------------------------------------------------------------------------------------------------

export interface ButtonHandle {
  readonly element: HTMLElement;
  setDisabled(disabled: boolean): void;
  setLabel(label: string): void;
}

export function button(label: string, onClick: () => void, options: { secondary?: boolean; title?: string } = {}): ButtonHandle {
  const element = create('vscode-button', options.secondary ? { appearance: 'secondary' } : {}, label);
  if (options.title) element.title = options.title;
  element.addEventListener('click', () => {
    if (!element.hasAttribute('disabled')) onClick();
  });
  return {
    element,
    setDisabled: (disabled) => element.toggleAttribute('disabled', disabled),
    setLabel: (text) => {
      element.textContent = text;
    },
  };
}

export interface TextFieldHandle {
  readonly element: HTMLElement;
  /** The text shown. */
  text(): string;
  /** Shows `text` (without reporting it as an edit). */
  show(text: string): void;
  setReadOnly(readOnly: boolean): void;
  setInvalid(invalid: boolean): void;
  hasFocus(): boolean;
}

/** A one-line text input; `onInput` on every keystroke, `onCommit` on Enter or when it loses focus. */
export function textField(
  options: { label: string; placeholder?: string },
  onInput: (text: string) => void,
  onCommit: (text: string) => void,
): TextFieldHandle {
  const element = create('vscode-text-field', { 'aria-label': options.label, class: 'input-control' });
  if (options.placeholder) element.setAttribute('placeholder', options.placeholder);
  let shown = '';
  const current = (): string => String(element.value ?? '');
  element.addEventListener('input', () => {
    if (current() !== shown) onInput(current());
  });
  element.addEventListener('change', () => onCommit(current()));
  element.addEventListener('keydown', (event) => {
    if ((event as KeyboardEvent).key === 'Enter') onCommit(current());
  });
  return {
    element,
    text: current,
    show: (text) => {
      shown = text;
      if (current() !== text) element.value = text;
    },
    setReadOnly: (readOnly) => element.toggleAttribute('readonly', readOnly),
    setInvalid: (invalid) => element.classList.toggle('invalid', invalid),
    hasFocus: () => element.matches(':focus-within') || document.activeElement === element,
  };
}

export interface ChoiceOption {
  readonly value: string;
  readonly label: string;
  readonly title?: string;
}

export interface DropdownHandle {
  readonly element: HTMLElement;
  /** Replaces the options and selects `value`. */
  show(options: readonly ChoiceOption[], value: string): void;
  setDisabled(disabled: boolean): void;
  setInvalid(invalid: boolean): void;
}

export function dropdown(label: string, onChange: (value: string) => void): DropdownHandle {
  const element = create('vscode-dropdown', { 'aria-label': label, position: 'below', class: 'input-control' });
  let shown = '';
  let shownOptions = '';
  element.addEventListener('change', () => {
    const value = String(element.value ?? '');
    if (value !== shown) {
      shown = value;
      onChange(value);
    }
  });
  return {
    element,
    show: (options, value) => {
      const key = JSON.stringify(options);
      if (key !== shownOptions) {
        shownOptions = key;
        element.replaceChildren(
          ...options.map((option) => {
            const item = create('vscode-option', { value: option.value }, option.label);
            if (option.title) item.title = option.title;
            return item;
          }),
        );
      }
      shown = value;
      if (element.value !== value) element.value = value;
      // Options added just now are slotted asynchronously; select again once they are.
      queueMicrotask(() => {
        if (shown === value && element.value !== value) element.value = value;
      });
    },
    setDisabled: (disabled) => element.toggleAttribute('disabled', disabled),
    setInvalid: (invalid) => element.classList.toggle('invalid', invalid),
  };
}

export interface CheckboxHandle {
  readonly element: HTMLElement;
  show(checked: boolean): void;
  setDisabled(disabled: boolean): void;
}

export function checkbox(label: string, onChange: (checked: boolean) => void, title?: string): CheckboxHandle {
  const element = create('vscode-checkbox', {}, label);
  if (title) element.title = title;
  let shown = false;
  element.addEventListener('change', () => {
    const checked = Boolean(element.checked);
    if (checked !== shown) {
      shown = checked;
      onChange(checked);
    }
  });
  return {
    element,
    show: (checked) => {
      shown = checked;
      if (Boolean(element.checked) !== checked) element.checked = checked;
    },
    setDisabled: (disabled) => element.toggleAttribute('disabled', disabled),
  };
}

export interface RadioGroupHandle {
  readonly element: HTMLElement;
  show(value: string): void;
  setDisabled(disabled: boolean): void;
}

export function radioGroup(label: string, options: readonly ChoiceOption[], onChange: (value: string) => void): RadioGroupHandle {
  const element = create('vscode-radio-group', { 'aria-label': label, class: 'choice-group' });
  const labelElement = create('label', { slot: 'label' }, label);
  element.append(labelElement, ...options.map((option) => create('vscode-radio', { value: option.value }, option.label)));
  let shown = '';
  element.addEventListener('change', () => {
    const value = String(element.value ?? '');
    if (value && value !== shown) {
      shown = value;
      onChange(value);
    }
  });
  return {
    element,
    show: (value) => {
      shown = value;
      if (element.value !== value) element.value = value;
      for (const radio of Array.from(element.querySelectorAll('vscode-radio')) as ToolkitElement[]) {
        const checked = radio.getAttribute('value') === value;
        if (Boolean(radio.checked) !== checked) radio.checked = checked;
      }
    },
    setDisabled: (disabled) => element.toggleAttribute('disabled', disabled),
  };
}

export interface DataGridHandle {
  readonly element: HTMLElement;
  show(header: readonly string[], rows: readonly (readonly string[])[], headerTitles?: readonly string[]): void;
}

export function dataGrid(label: string): DataGridHandle {
  const element = create('vscode-data-grid', { 'aria-label': label, 'generate-header': 'sticky', class: 'data-grid' });
  return {
    element,
    show: (header, rows, headerTitles) => {
      // One template for every row, or each row sizes its own columns and they do not line up. A column is never
      // narrower than its longest cell (header included, in `ch` of the grid's monospace font), so a narrow form
      // scrolls the grid sideways instead of breaking "sepal_length" into "sepal_len / gth".
      const titles = header.map((title, i) => headerTitles?.[i] ?? title);
      const widths = titles.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
      element.gridTemplateColumns = widths.map((chars) => `minmax(calc(${chars}ch + 26px), 1fr)`).join(' ');
      element.columnDefinitions = titles.map((title, i) => ({ columnDataKey: `c${i}`, title }));
      element.rowsData = rows.map((row) => Object.fromEntries(header.map((_, i) => [`c${i}`, row[i] ?? ''])));
    },
  };
}

export function link(label: string, onClick: () => void, title?: string): HTMLElement {
  const element = create('vscode-link', { href: '#' }, label);
  if (title) element.title = title;
  element.addEventListener('click', (event) => {
    event.preventDefault();
    onClick();
  });
  return element;
}

export function divider(): HTMLElement {
  return create('vscode-divider', { role: 'separator' });
}

export function badge(text: string): HTMLElement {
  return create('vscode-badge', {}, text);
}

export function progressRing(): HTMLElement {
  return create('vscode-progress-ring', { class: 'spinner' });
}

/**
 * The Data section: the source (a CSV file or the synthetic generator), for a CSV file the file, target and
 * feature pickers and a preview of its first rows, for the generator its fields, then preprocessing and split.
 *
 * The pickers offer what the host reports: the workspace's CSV files (`csvFiles`) and the header, column kinds and
 * first rows of the chosen file (`csvPreview`, asked for whenever the document names a file not asked for yet).
 */
import {
  valueAtPointer,
  type CsvFileEntry,
  type CsvPreviewMessage,
  type FieldDescriptor,
  type JsonObject,
  type SpecEditOp,
} from '../../src/protocol/specEditorMessages';
import { addFields, display, frame, helpOf, problemsAt, section, showFieldProblems, titleOf } from './fields';
import { el, isObject, type FormContext, type RenderState } from './formContext';
import * as ui from './toolkit';

const SYNTHETIC_KEYS = ['kind', 'experts', 'dim', 'samples', 'snr', 'seed', 'symmetric'];

export interface DataSection {
  readonly element: HTMLElement;
  showCsvFiles(files: readonly CsvFileEntry[]): void;
  /** Keeps the preview if it is the one last asked for; says whether it did. */
  acceptPreview(preview: CsvPreviewMessage): boolean;
}

export function dataSection(context: FormContext): DataSection {
  let csvFiles: readonly CsvFileEntry[] = [];
  let preview: CsvPreviewMessage | undefined;
  let previewRequested: string | undefined;

  /** The preview of the file the document names, when it could be read. */
  const currentPreview = (state: RenderState): CsvPreviewMessage | undefined => {
    const csv = valueAtPointer(state.value, '/data/csv');
    return preview && preview.path === csv && !preview.error ? preview : undefined;
  };
  const requestPreview = (state: RenderState): void => {
    const csv = valueAtPointer(state.value, '/data/csv');
    if (typeof csv !== 'string' || csv === '' || csv === previewRequested) return;
    previewRequested = csv;
    preview = undefined;
    context.send({ type: 'requestCsvPreview', path: csv });
  };
  const pickers: Pickers = { files: () => csvFiles, preview: currentPreview };

  const element = section('data', titleOf(context, '/data', 'Data'), helpOf(context, '/data'));
  const csvPart = el('div', 'source-part');
  const syntheticPart = el('div', 'source-part');
  const sourceGroup = ui.radioGroup(
    'Data source',
    [
      { value: 'csv', label: 'CSV file' },
      { value: 'synthetic', label: 'Synthetic generator' },
    ],
    (to) => {
      if (to === 'csv' || to === 'synthetic') context.send({ type: 'switchSource', requestId: context.nextRequestId(), to });
    },
  );
  const sourceRow = el('div', 'field wide');
  sourceRow.append(sourceGroup.element);
  element.append(sourceRow);
  context.register({
    pointer: '/data',
    update: (state) => {
      const mode = dataMode(state.value);
      const broken = !isObject(valueAtPointer(state.value, '/data') ?? {});
      sourceGroup.show(mode);
      sourceGroup.setDisabled(state.frozen || broken);
      csvPart.hidden = mode !== 'csv';
      syntheticPart.hidden = mode !== 'synthetic';
      if (mode === 'csv') requestPreview(state);
    },
  });

  const csvGrid = el('div', 'grid');
  csvPart.append(csvGrid);
  csvPicker(context, csvGrid, pickers);
  targetPicker(context, csvGrid, pickers);
  addFields(context, csvGrid, ['/data/dropInvalidRows']);
  featuresPicker(context, csvPart, pickers);
  csvPart.append(previewBox(context, () => preview));

  const syntheticGrid = el('div', 'grid');
  syntheticPart.append(el('p', 'caption', helpOf(context, '/data/synthetic') ?? ''), syntheticGrid);
  addFields(context, syntheticGrid, SYNTHETIC_KEYS.map((key) => `/data/synthetic/${key}`));

  const split = el('div', 'grid');
  element.append(csvPart, syntheticPart, el('h3', undefined, 'Preprocessing and split'), split);
  addFields(context, split, ['/data/standardize', '/data/testFraction', '/data/splitSeed']);

  return {
    element,
    showCsvFiles: (files) => {
      csvFiles = files;
    },
    acceptPreview: (next) => {
      if (next.path !== previewRequested) return false;
      preview = next;
      return true;
    },
  };
}

/** What the pickers offer: the workspace's CSV files and the preview of the chosen one. */
interface Pickers {
  files(): readonly CsvFileEntry[];
  preview(state: RenderState): CsvPreviewMessage | undefined;
}

function csvPicker(context: FormContext, parent: HTMLElement, pickers: Pickers): void {
  const field = context.fields.get('/data/csv');
  if (!field) return;
  const pick = (path: string) => {
    const ops: SpecEditOp[] = [{ op: 'set', pointer: '/data/csv', value: path }];
    // Features name columns of the previous file.
    if (valueAtPointer(context.state().value, '/data/features') !== undefined) ops.push({ op: 'remove', pointer: '/data/features' });
    context.edit(ops);
  };
  const container = pickerField(context, parent, field, pick, (current) => {
    const files = pickers.files();
    const options = files.map((file) => ({ value: file.path, label: file.path, title: file.label }));
    if (!files.some((file) => file.path === current)) {
      options.unshift({ value: current, label: current ? `${current} (not found)` : '(choose a CSV file)', title: '' });
    }
    return options;
  });
  container.classList.add('wide');
}

function targetPicker(context: FormContext, parent: HTMLElement, pickers: Pickers): void {
  const field = context.fields.get('/data/target');
  if (!field) return;
  const pick = (target: string) => {
    const ops: SpecEditOp[] = [{ op: 'set', pointer: '/data/target', value: target }];
    const features = valueAtPointer(context.state().value, '/data/features');
    if (Array.isArray(features) && features.includes(target)) {
      ops.push({ op: 'set', pointer: '/data/features', value: features.filter((name) => name !== target) });
    }
    context.edit(ops);
  };
  pickerField(context, parent, field, pick, (current, state) => {
    const preview = pickers.preview(state);
    const header = preview?.header ?? [];
    const options: ui.ChoiceOption[] = header.map((name, i) => ({ value: name, label: `${name} (${preview?.kinds[i] ?? '?'})` }));
    if (!header.includes(current)) options.unshift({ value: current, label: current ? `${current} (not in the file)` : '(choose a column)' });
    return options;
  });
}

/** A dropdown whose options come from what the host reports (files, columns), not from the schema. */
function pickerField(
  context: FormContext,
  parent: HTMLElement,
  field: FieldDescriptor,
  pick: (value: string) => void,
  optionsFor: (current: string, state: RenderState) => ui.ChoiceOption[],
): HTMLElement {
  const menu = ui.dropdown(field.title, pick);
  const { container, error } = frame(field, menu.element);
  parent.append(container);
  context.register({
    pointer: field.pointer,
    update: (state) => {
      const { value, broken } = display(field, state);
      const current = typeof value === 'string' ? value : '';
      menu.show(optionsFor(current, state), current);
      menu.setDisabled(state.frozen || broken);
      menu.setInvalid(problemsAt(field.pointer, state).length > 0);
      showFieldProblems(container, error, field, state, broken);
    },
  });
  return container;
}

function featuresPicker(context: FormContext, parent: HTMLElement, pickers: Pickers): void {
  const field = context.fields.get('/data/features');
  if (!field) return;
  const list = el('div', 'feature-list');
  const all = ui.checkbox('All numeric columns except the target', (checked) => {
    if (checked) {
      context.edit([{ op: 'remove', pointer: '/data/features' }]);
    } else {
      const state = context.state();
      const preview = pickers.preview(state);
      const target = valueAtPointer(state.value, '/data/target');
      const numeric = (preview?.header ?? []).filter((name, i) => preview?.kinds[i] === 'numeric' && name !== target);
      context.edit([{ op: 'set', pointer: '/data/features', value: numeric }]);
    }
  });
  const control = el('div', 'features');
  control.append(all.element, list);
  const { container, error } = frame(field, control);
  container.classList.add('wide');
  parent.append(container);
  let boxes: { name: string; handle: ui.CheckboxHandle }[] = [];
  let shownColumns = '';
  context.register({
    pointer: field.pointer,
    update: (state) => {
      const { value, broken } = display(field, state);
      const selected = Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string') : undefined;
      const preview = pickers.preview(state);
      const target = valueAtPointer(state.value, '/data/target');
      const columns = (preview?.header ?? []).map((name, i) => ({ name, numeric: preview?.kinds[i] === 'numeric' }));
      for (const name of selected ?? []) if (!columns.some((column) => column.name === name)) columns.push({ name, numeric: true });
      const key = JSON.stringify([columns, target]);
      if (key !== shownColumns) {
        shownColumns = key;
        boxes = columns
          .filter((column) => column.name !== target)
          .map((column) => {
            const missing = !(preview?.header ?? []).includes(column.name);
            const label = `${column.name}${column.numeric ? '' : ' (text)'}${missing ? ' (not in the file)' : ''}`;
            const handle = ui.checkbox(label, (checked) => toggleFeature(context, pickers, column.name, checked));
            handle.element.dataset.column = column.name;
            return { name: column.name, handle };
          });
        list.replaceChildren(...boxes.map((box) => box.handle.element));
        if (!preview) list.append(el('span', 'caption', 'Choose a readable CSV file to pick columns.'));
      }
      all.show(selected === undefined);
      all.setDisabled(state.frozen || broken || !preview);
      for (const box of boxes) {
        const numeric = columns.find((column) => column.name === box.name)?.numeric ?? false;
        box.handle.show(selected === undefined ? numeric : selected.includes(box.name));
        box.handle.setDisabled(state.frozen || broken || selected === undefined || (!numeric && !selected.includes(box.name)));
      }
      showFieldProblems(container, error, field, state, broken);
    },
  });
}

/** Adds or removes one feature, keeping the list in the file's column order. */
function toggleFeature(context: FormContext, pickers: Pickers, name: string, checked: boolean): void {
  const state = context.state();
  const current = valueAtPointer(state.value, '/data/features');
  const selected = new Set(Array.isArray(current) ? current.filter((item): item is string => typeof item === 'string') : []);
  if (checked) selected.add(name);
  else selected.delete(name);
  const order = pickers.preview(state)?.header ?? [];
  const list = [...selected].sort((a, b) => rank(order, a) - rank(order, b));
  context.edit([{ op: 'set', pointer: '/data/features', value: list }]);
}

/** The first rows of the chosen file in a data grid, or why there are none. */
function previewBox(context: FormContext, latest: () => CsvPreviewMessage | undefined): HTMLElement {
  const box = el('div', 'preview');
  const caption = el('p', 'caption');
  const grid = ui.dataGrid('First rows of the CSV file');
  box.append(el('h3', undefined, 'Preview'), caption, grid.element);
  context.register({
    pointer: '/data/csv (preview)',
    update: (state) => {
      const csv = valueAtPointer(state.value, '/data/csv');
      const candidate = latest();
      const preview = candidate && candidate.path === csv ? candidate : undefined;
      if (!preview) {
        caption.textContent = typeof csv === 'string' && csv ? `Reading ${csv}…` : 'No CSV file chosen.';
        grid.element.hidden = true;
        return;
      }
      if (preview.error) {
        caption.textContent = `Cannot read ${preview.path}: ${preview.error}`;
        caption.classList.add('error');
        grid.element.hidden = true;
        return;
      }
      caption.classList.remove('error');
      const total = preview.rowCount === undefined ? '' : ` of ${preview.rowCount}`;
      const numeric = preview.kinds.filter((kind) => kind === 'numeric').length;
      caption.textContent = `First ${preview.rows.length}${total} rows; ${preview.header.length} columns (${numeric} numeric).`;
      grid.show(preview.header, preview.rows, preview.header.map((name, i) => (preview.kinds[i] === 'text' ? `${name} (text)` : name)));
      grid.element.hidden = false;
    },
  });
  return box;
}

function dataMode(value: JsonObject): 'csv' | 'synthetic' {
  const data = valueAtPointer(value, '/data');
  return isObject(data) && 'synthetic' in data ? 'synthetic' : 'csv';
}

function rank(order: readonly string[], name: string): number {
  const index = order.indexOf(name);
  return index < 0 ? order.length : index;
}

/**
 * The experiment form: sections for the data, model, solvers, stopping rule and initialization, built from the
 * field descriptors the host derives from schema.json (labels, help, defaults, options), showing the document the
 * host posts, and turning the user's changes into edit operations at JSON pointers.
 *
 * The form never holds the truth: it renders each `document` message. When the text is not valid JSON it keeps
 * showing the last state it could read, read-only; when a value in the text has the wrong type (or its parent is
 * not an object), that field shows the last valid value, read-only, and the banner says what to fix.
 */
import {
  joinPointer,
  valueAtPointer,
  type CsvFileEntry,
  type CsvPreviewMessage,
  type DocumentMessage,
  type FieldDescriptor,
  type FromWebviewMessage,
  type InitMessage,
  type JsonObject,
  type JsonValue,
  type RunEntry,
  type RunsMessage,
  type SpecEditOp,
  type SpecProblem,
} from '../../src/protocol/specEditorMessages';
import * as ui from './toolkit';

export type Send = (message: FromWebviewMessage) => void;

const INPUT_DELAY_MS = 400;
const SOLVERS = ['em', 'gem', 'gd', 'adam'] as const;
const SYNTHETIC_KEYS = ['kind', 'experts', 'dim', 'samples', 'snr', 'seed', 'symmetric'];
const MAX_BANNER_PROBLEMS = 12;

/** A rendered field: updates itself from the document. */
interface FieldView {
  readonly pointer: string;
  readonly container: HTMLElement;
  update(state: RenderState): void;
}

interface RenderState {
  /** What the form shows: the document's value, or the last readable one when the text is not JSON. */
  readonly value: JsonObject;
  /** The last schema-valid value (for broken parts). */
  readonly lastValid: JsonObject;
  /** True when the text could not be read at all: everything is read-only. */
  readonly frozen: boolean;
  readonly problems: readonly SpecProblem[];
}

export class SpecForm {
  private readonly fields: Map<string, FieldDescriptor>;
  private readonly views: FieldView[] = [];
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private requestId = 0;
  private state: RenderState = { value: {}, lastValid: {}, frozen: true, problems: [] };
  private documentSeen = false;
  private csvFiles: readonly CsvFileEntry[] = [];
  private preview: CsvPreviewMessage | undefined;
  private previewRequested: string | undefined;
  private valid = false;
  private running = false;

  private readonly root: HTMLElement;
  private readonly banner = el('div', 'banner');
  private readonly notice = el('div', 'notice');
  private readonly status = el('span', 'status');
  private readonly runButton: ui.ButtonHandle;
  private readonly runRing = el('span', 'run-ring');
  private readonly sourceGroup: ui.RadioGroupHandle;
  private readonly csvPart = el('div', 'source-part');
  private readonly syntheticPart = el('div', 'source-part');
  private readonly previewBox = el('div', 'preview');
  private readonly previewCaption = el('p', 'caption');
  private readonly grid = ui.dataGrid('First rows of the CSV file');
  private readonly runsBox = el('div', 'runs');

  constructor(
    container: HTMLElement,
    init: InitMessage,
    private readonly send: Send,
  ) {
    this.fields = new Map(init.fields.map((field) => [field.pointer, field]));
    this.root = container;
    this.runButton = ui.button('Run experiment', () => this.send({ type: 'run' }), {
      title: 'Run this spec as it is now (same as “MoE Lab: Run Experiment”)',
    });
    this.sourceGroup = ui.radioGroup(
      'Data source',
      [
        { value: 'csv', label: 'CSV file' },
        { value: 'synthetic', label: 'Synthetic generator' },
      ],
      (to) => {
        if (to === 'csv' || to === 'synthetic') this.send({ type: 'switchSource', requestId: ++this.requestId, to });
      },
    );
    this.build(init);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Messages from the host

  showDocument(message: DocumentMessage): void {
    this.documentSeen = true;
    const previous = this.state;
    const readable = message.value !== undefined;
    const value = message.value ?? previous.value;
    const lastValid = message.valid && message.value ? message.value : previous.lastValid;
    this.state = { value, lastValid, frozen: !readable, problems: message.problems };
    this.valid = message.valid;
    this.root.classList.toggle('frozen', !readable);
    this.status.textContent = `${message.dirty ? '● unsaved · ' : ''}${
      message.valid ? 'valid' : `${message.problems.length} problem${message.problems.length === 1 ? '' : 's'}`
    }`;
    this.status.className = `status ${message.valid ? 'ok' : 'bad'}`;
    this.renderBanner(message, readable);
    this.updateRunButton();
    this.renderAll();
  }

  showCsvFiles(files: readonly CsvFileEntry[]): void {
    this.csvFiles = files;
    this.renderAll();
  }

  showPreview(preview: CsvPreviewMessage): void {
    if (preview.path !== this.previewRequested) return;
    this.preview = preview;
    this.renderAll();
  }

  showRuns(message: RunsMessage): void {
    this.runsBox.replaceChildren();
    if (message.runs.length === 0) {
      this.runsBox.append(el('p', 'caption', `No runs yet. Results are written to ${message.folder}/.`));
      return;
    }
    const list = el('ul', 'run-list');
    message.runs.forEach((run, i) => {
      const item = el('li');
      const open = ui.link(run.label, () => this.send({ type: 'openRun', id: run.id }), `Open the results of run ${run.id}`);
      item.append(el('span', 'run-tag', i === 0 ? 'Last run' : ''), open, el('span', 'caption', runCaption(run)));
      list.append(item);
    });
    this.runsBox.append(list, el('p', 'caption', `In ${message.folder}/`));
  }

  showRunState(running: boolean): void {
    this.running = running;
    this.updateRunButton();
  }

  showNotice(ok: boolean, message: string | undefined): void {
    if (ok || !message) {
      this.notice.textContent = '';
      this.notice.hidden = true;
      return;
    }
    this.notice.textContent = message;
    this.notice.hidden = false;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Layout

  private build(init: InitMessage): void {
    const header = el('header', 'top');
    const title = el('div', 'title');
    title.append(el('h1', undefined, init.fileName), this.status);
    const actions = el('div', 'actions');
    const showText = ui.button('Show text', () => this.send({ type: 'showText' }), {
      secondary: true,
      title: 'Open the JSON text beside the form',
    });
    this.runRing.append(ui.progressRing());
    this.runRing.hidden = true;
    actions.append(this.runRing, this.runButton.element, showText.element);
    header.append(title, actions);
    this.notice.hidden = true;
    this.notice.setAttribute('role', 'alert');
    this.banner.hidden = true;

    const experiment = this.section('experiment', 'Experiment', undefined);
    this.addFields(experiment, ['/name', '/resultsDir', '/errorThreshold']);

    const data = this.section('data', this.title('/data', 'Data'), this.help('/data'));
    const sourceRow = el('div', 'field wide');
    sourceRow.append(this.sourceGroup.element);
    data.append(sourceRow);
    this.views.push({
      pointer: '/data',
      container: sourceRow,
      update: (state) => {
        const mode = dataMode(state.value);
        const broken = !isObject(valueAtPointer(state.value, '/data') ?? {});
        this.sourceGroup.show(mode);
        this.sourceGroup.setDisabled(state.frozen || broken);
        this.csvPart.hidden = mode !== 'csv';
        this.syntheticPart.hidden = mode !== 'synthetic';
        if (mode === 'csv') this.requestPreview(state);
      },
    });
    const csvGrid = el('div', 'grid');
    this.csvPart.append(csvGrid);
    this.addCsvPicker(csvGrid);
    this.addTargetPicker(csvGrid);
    this.addFields(csvGrid, ['/data/dropInvalidRows']);
    this.addFeaturesPicker(this.csvPart);
    this.previewBox.append(el('h3', undefined, 'Preview'), this.previewCaption, this.grid.element);
    this.csvPart.append(this.previewBox);
    const syntheticGrid = el('div', 'grid');
    this.syntheticPart.append(el('p', 'caption', this.help('/data/synthetic') ?? ''), syntheticGrid);
    this.addFields(syntheticGrid, SYNTHETIC_KEYS.map((key) => `/data/synthetic/${key}`));
    const split = el('div', 'grid');
    data.append(this.csvPart, this.syntheticPart, el('h3', undefined, 'Preprocessing and split'), split);
    this.addFields(split, ['/data/standardize', '/data/testFraction', '/data/splitSeed']);

    const model = this.section('model', this.title('/model', 'Model'), this.help('/model'));
    this.addFields(model, this.childPointers('/model'));

    const solvers = this.section('solvers', this.title('/solvers', 'Solvers'), this.help('/solvers'));
    const cards = el('div', 'cards');
    for (const name of SOLVERS) {
      const pointer = `/solvers/${name}`;
      const card = el('div', 'card');
      card.dataset.solver = name;
      card.append(el('h3', undefined, this.title(pointer, name)), el('p', 'caption', this.help(pointer) ?? ''));
      this.addFields(card, this.childPointers(pointer), { plain: true });
      cards.append(card);
    }
    solvers.append(cards);

    const stopping = this.section('stopping', this.title('/stopping', 'Stopping rule'), this.help('/stopping'));
    this.addFields(stopping, this.childPointers('/stopping'));
    const initSection = this.section('init', this.title('/init', 'Initialization'), this.help('/init'));
    this.addFields(initSection, this.childPointers('/init'));

    const results = this.section('results', 'Results', init.local ? undefined : 'Runs are listed for files on disk only.');
    results.append(this.runsBox);

    // The problems stay in view while scrolling: they are part of the sticky top bar.
    const top = el('div', 'sticky');
    top.append(header, this.notice, this.banner);
    this.root.replaceChildren(top, experiment, data, model, solvers, stopping, initSection, results);
  }

  private section(id: string, title: string, help: string | undefined): HTMLElement {
    const section = el('section');
    section.id = `section-${id}`;
    section.append(el('h2', undefined, title));
    if (help) section.append(el('p', 'caption', help));
    const grid = el('div', 'grid');
    section.append(grid);
    // Fields go in the grid; other content is appended after it.
    section.dataset.grid = 'true';
    return section;
  }

  private title(pointer: string, fallback: string): string {
    return this.fields.get(pointer)?.title ?? fallback;
  }

  private help(pointer: string): string | undefined {
    return this.fields.get(pointer)?.description || undefined;
  }

  /** Direct children of an object pointer, in schema order. */
  private childPointers(parent: string): string[] {
    return [...this.fields.keys()].filter((pointer) => pointer.startsWith(`${parent}/`) && !pointer.slice(parent.length + 1).includes('/'));
  }

  private addFields(parent: HTMLElement, pointers: readonly string[], options: { plain?: boolean } = {}): void {
    const target = !options.plain && parent.dataset.grid ? (parent.querySelector(':scope > .grid') as HTMLElement) : parent;
    for (const pointer of pointers) {
      const field = this.fields.get(pointer);
      if (!field) continue;
      const view = this.fieldView(field);
      target.append(view.container);
      this.views.push(view);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Generic fields

  private fieldView(field: FieldDescriptor): FieldView {
    switch (field.kind) {
      case 'boolean':
        return this.booleanField(field);
      case 'enum':
        return this.enumField(field);
      case 'integer':
      case 'number':
      case 'string':
        return this.textInputField(field);
      default:
        return this.readOnlyField(field);
    }
  }

  private frame(field: FieldDescriptor, control: HTMLElement, options: { label?: boolean } = {}): { container: HTMLElement; help: HTMLElement; error: HTMLElement } {
    const container = el('div', 'field');
    container.dataset.pointer = field.pointer;
    if (options.label !== false) container.append(el('label', 'field-label', field.title));
    const help = el('div', 'field-help', field.description);
    const error = el('div', 'field-error');
    error.hidden = true;
    container.append(control, help, error);
    return { container, help, error };
  }

  private booleanField(field: FieldDescriptor): FieldView {
    const box = ui.checkbox(field.title, (checked) => this.edit([{ op: 'set', pointer: field.pointer, value: checked }]), field.description);
    const { container, error } = this.frame(field, box.element, { label: false });
    return {
      pointer: field.pointer,
      container,
      update: (state) => {
        const { value, broken } = this.display(field, state);
        box.show(Boolean(value ?? field.default ?? false));
        box.setDisabled(state.frozen || broken);
        this.showFieldProblems(container, error, field, state, broken);
      },
    };
  }

  private enumField(field: FieldDescriptor): FieldView {
    const menu = ui.dropdown(field.title, (value) => this.edit([{ op: 'set', pointer: field.pointer, value }]));
    const { container, help, error } = this.frame(field, menu.element);
    return {
      pointer: field.pointer,
      container,
      update: (state) => {
        const { value, broken } = this.display(field, state);
        const current = typeof value === 'string' ? value : String(field.default ?? field.options?.[0]?.value ?? '');
        const options = (field.options ?? []).map((option) => ({
          value: option.value,
          label: option.value === field.default ? `${option.value} (default)` : option.value,
          ...(option.description ? { title: option.description } : {}),
        }));
        if (!options.some((option) => option.value === current)) options.push({ value: current, label: `${current} (not allowed)` });
        menu.show(options, current);
        menu.setDisabled(state.frozen || broken);
        const chosen = field.options?.find((option) => option.value === current)?.description;
        help.textContent = chosen ? `${field.description} — ${chosen}` : field.description;
        menu.setInvalid(this.problemsAt(field.pointer, state).length > 0);
        this.showFieldProblems(container, error, field, state, broken);
      },
    };
  }

  private textInputField(field: FieldDescriptor): FieldView {
    const numeric = field.kind === 'integer' || field.kind === 'number';
    let input: ui.TextFieldHandle;
    const parse = (text: string): { ok: true; op: SpecEditOp } | { ok: false; message: string } => {
      const trimmed = text.trim();
      if (trimmed === '') return { ok: true, op: { op: 'remove', pointer: field.pointer } };
      if (!numeric) return { ok: true, op: { op: 'set', pointer: field.pointer, value: text } };
      const number = Number(trimmed);
      if (!Number.isFinite(number)) return { ok: false, message: 'Enter a number.' };
      if (field.kind === 'integer' && !Number.isSafeInteger(number)) return { ok: false, message: 'Enter a whole number.' };
      return { ok: true, op: { op: 'set', pointer: field.pointer, value: number } };
    };
    // Enter fires both a keydown and a change: the same operation is sent once per document state.
    let lastSent: string | undefined;
    let rendered: RenderState | undefined;
    const send = (op: SpecEditOp) => {
      const key = JSON.stringify(op);
      if (key === lastSent || sameAsDocument(op)) return;
      lastSent = key;
      this.edit([op]);
    };
    const commit = (text: string) => {
      this.cancelPending(field.pointer);
      const parsed = parse(text);
      localError(parsed.ok ? undefined : parsed.message);
      if (parsed.ok) send(parsed.op);
    };
    const sameAsDocument = (op: SpecEditOp): boolean => {
      const current = valueAtPointer(this.state.value, field.pointer);
      return op.op === 'remove' ? current === undefined : JSON.stringify(current) === JSON.stringify(op.value);
    };
    input = ui.textField(
      { label: field.title, placeholder: placeholderOf(field) },
      (text) => {
        this.cancelPending(field.pointer);
        const parsed = parse(text);
        localError(parsed.ok ? undefined : parsed.message);
        if (!parsed.ok) return;
        this.pending.set(
          field.pointer,
          setTimeout(() => {
            this.pending.delete(field.pointer);
            send(parsed.op);
          }, INPUT_DELAY_MS),
        );
      },
      commit,
    );
    const { container, error } = this.frame(field, input.element);
    const local = el('div', 'field-error local');
    local.hidden = true;
    container.insertBefore(local, error);
    const localError = (message: string | undefined) => {
      local.textContent = message ?? '';
      local.hidden = !message;
      input.setInvalid(Boolean(message) || this.problemsAt(field.pointer, this.state).length > 0);
    };
    return {
      pointer: field.pointer,
      container,
      update: (state) => {
        if (state !== rendered) lastSent = undefined;
        rendered = state;
        const { value, broken } = this.display(field, state);
        const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
        // Do not fight the user: a field being typed in keeps its text while it means the same value.
        const typing = this.pending.has(field.pointer) || (input.hasFocus() && sameValueText(parse(input.text()), value));
        if (!typing) {
          input.show(text);
          local.hidden = true;
        }
        input.setReadOnly(state.frozen || broken);
        input.setInvalid(!local.hidden || this.problemsAt(field.pointer, state).length > 0);
        this.showFieldProblems(container, error, field, state, broken);
      },
    };
  }

  private readOnlyField(field: FieldDescriptor): FieldView {
    const box = el('code', 'readonly-value');
    const { container, error } = this.frame(field, box);
    return {
      pointer: field.pointer,
      container,
      update: (state) => {
        const { value, broken } = this.display(field, state);
        box.textContent = value === undefined ? `default: ${JSON.stringify(field.default ?? null)}` : JSON.stringify(value);
        this.showFieldProblems(container, error, field, state, broken);
      },
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Data pickers

  private addCsvPicker(parent: HTMLElement): void {
    const field = this.fields.get('/data/csv');
    if (!field) return;
    const menu = ui.dropdown(field.title, (path) => {
      const ops: SpecEditOp[] = [{ op: 'set', pointer: '/data/csv', value: path }];
      // Features name columns of the previous file.
      if (valueAtPointer(this.state.value, '/data/features') !== undefined) ops.push({ op: 'remove', pointer: '/data/features' });
      this.edit(ops);
    });
    const { container, error } = this.frame(field, menu.element);
    container.classList.add('wide');
    parent.append(container);
    this.views.push({
      pointer: field.pointer,
      container,
      update: (state) => {
        const { value, broken } = this.display(field, state);
        const current = typeof value === 'string' ? value : '';
        const options = this.csvFiles.map((file) => ({ value: file.path, label: file.path, title: file.label }));
        if (!this.csvFiles.some((file) => file.path === current)) {
          options.unshift({ value: current, label: current ? `${current} (not found)` : '(choose a CSV file)', title: '' });
        }
        menu.show(options, current);
        menu.setDisabled(state.frozen || broken);
        menu.setInvalid(this.problemsAt(field.pointer, state).length > 0);
        this.showFieldProblems(container, error, field, state, broken);
      },
    });
  }

  private addTargetPicker(parent: HTMLElement): void {
    const field = this.fields.get('/data/target');
    if (!field) return;
    const menu = ui.dropdown(field.title, (target) => {
      const ops: SpecEditOp[] = [{ op: 'set', pointer: '/data/target', value: target }];
      const features = valueAtPointer(this.state.value, '/data/features');
      if (Array.isArray(features) && features.includes(target)) {
        ops.push({ op: 'set', pointer: '/data/features', value: features.filter((name) => name !== target) });
      }
      this.edit(ops);
    });
    const { container, error } = this.frame(field, menu.element);
    parent.append(container);
    this.views.push({
      pointer: field.pointer,
      container,
      update: (state) => {
        const { value, broken } = this.display(field, state);
        const current = typeof value === 'string' ? value : '';
        const preview = this.currentPreview(state);
        const header = preview?.header ?? [];
        const options = header.map((name, i) => ({ value: name, label: `${name} (${preview?.kinds[i] ?? '?'})` }));
        if (!header.includes(current)) options.unshift({ value: current, label: current ? `${current} (not in the file)` : '(choose a column)' });
        menu.show(options, current);
        menu.setDisabled(state.frozen || broken);
        menu.setInvalid(this.problemsAt(field.pointer, state).length > 0);
        this.showFieldProblems(container, error, field, state, broken);
      },
    });
  }

  private addFeaturesPicker(parent: HTMLElement): void {
    const field = this.fields.get('/data/features');
    if (!field) return;
    const list = el('div', 'feature-list');
    const all = ui.checkbox('All numeric columns except the target', (checked) => {
      if (checked) {
        this.edit([{ op: 'remove', pointer: '/data/features' }]);
      } else {
        const preview = this.currentPreview(this.state);
        const target = valueAtPointer(this.state.value, '/data/target');
        const numeric = (preview?.header ?? []).filter((name, i) => preview?.kinds[i] === 'numeric' && name !== target);
        this.edit([{ op: 'set', pointer: '/data/features', value: numeric }]);
      }
    });
    const control = el('div', 'features');
    control.append(all.element, list);
    const { container, error } = this.frame(field, control);
    container.classList.add('wide');
    parent.append(container);
    let boxes: { name: string; handle: ui.CheckboxHandle }[] = [];
    let shownColumns = '';
    this.views.push({
      pointer: field.pointer,
      container,
      update: (state) => {
        const { value, broken } = this.display(field, state);
        const selected = Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string') : undefined;
        const preview = this.currentPreview(state);
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
              const handle = ui.checkbox(label, (checked) => this.toggleFeature(column.name, checked));
              handle.element.dataset.column = column.name;
              return { name: column.name, handle, numeric: column.numeric && !missing };
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
        this.showFieldProblems(container, error, field, state, broken);
      },
    });
  }

  private toggleFeature(name: string, checked: boolean): void {
    const current = valueAtPointer(this.state.value, '/data/features');
    const selected = new Set(Array.isArray(current) ? current.filter((item): item is string => typeof item === 'string') : []);
    if (checked) selected.add(name);
    else selected.delete(name);
    const order = this.currentPreview(this.state)?.header ?? [];
    const list = [...selected].sort((a, b) => rank(order, a) - rank(order, b));
    this.edit([{ op: 'set', pointer: '/data/features', value: list }]);
  }

  private currentPreview(state: RenderState): CsvPreviewMessage | undefined {
    const csv = valueAtPointer(state.value, '/data/csv');
    return this.preview && this.preview.path === csv && !this.preview.error ? this.preview : undefined;
  }

  private requestPreview(state: RenderState): void {
    const csv = valueAtPointer(state.value, '/data/csv');
    if (typeof csv !== 'string' || csv === '' || csv === this.previewRequested) return;
    this.previewRequested = csv;
    this.preview = undefined;
    this.send({ type: 'requestCsvPreview', path: csv });
  }

  private renderPreview(state: RenderState): void {
    const csv = valueAtPointer(state.value, '/data/csv');
    const preview = this.preview && this.preview.path === csv ? this.preview : undefined;
    if (!preview) {
      this.previewCaption.textContent = typeof csv === 'string' && csv ? `Reading ${csv}…` : 'No CSV file chosen.';
      this.grid.element.hidden = true;
      return;
    }
    if (preview.error) {
      this.previewCaption.textContent = `Cannot read ${preview.path}: ${preview.error}`;
      this.previewCaption.classList.add('error');
      this.grid.element.hidden = true;
      return;
    }
    this.previewCaption.classList.remove('error');
    const total = preview.rowCount === undefined ? '' : ` of ${preview.rowCount}`;
    const numeric = preview.kinds.filter((kind) => kind === 'numeric').length;
    this.previewCaption.textContent = `First ${preview.rows.length}${total} rows; ${preview.header.length} columns (${numeric} numeric).`;
    this.grid.show(preview.header, preview.rows, preview.header.map((name, i) => (preview.kinds[i] === 'text' ? `${name} (text)` : name)));
    this.grid.element.hidden = false;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Rendering

  private renderAll(): void {
    if (!this.documentSeen) return;
    for (const view of this.views) {
      try {
        view.update(this.state);
      } catch (error) {
        console.error(`spec editor: cannot show ${view.pointer}`, error);
      }
    }
    this.renderPreview(this.state);
  }

  /** What a field shows, and whether the text's value there is unusable (then: the last valid value, read-only). */
  private display(field: FieldDescriptor, state: RenderState): { value: JsonValue | undefined; broken: boolean } {
    if (!parentsAreObjects(state.value, field.pointer)) return { value: valueAtPointer(state.lastValid, field.pointer), broken: true };
    const value = valueAtPointer(state.value, field.pointer);
    if (value !== undefined && !fits(field, value)) return { value: valueAtPointer(state.lastValid, field.pointer), broken: true };
    return { value, broken: false };
  }

  private problemsAt(pointer: string, state: RenderState): SpecProblem[] {
    return state.problems.filter((problem) => problem.pointer === pointer || problem.pointer.startsWith(`${pointer}/`));
  }

  private showFieldProblems(container: HTMLElement, error: HTMLElement, field: FieldDescriptor, state: RenderState, broken: boolean): void {
    const problems = this.problemsAt(field.pointer, state);
    const messages = problems.map((problem) => problem.message);
    if (broken && !state.frozen) messages.push('The form shows the last valid value; fix this one in the text.');
    error.textContent = messages.join(' ');
    error.hidden = messages.length === 0;
    container.classList.toggle('has-problem', messages.length > 0);
    container.classList.toggle('broken', broken || state.frozen);
  }

  private renderBanner(message: DocumentMessage, readable: boolean): void {
    if (message.valid) {
      this.banner.hidden = true;
      this.banner.replaceChildren();
      return;
    }
    this.banner.hidden = false;
    this.banner.className = `banner ${readable ? 'warning' : 'error'}`;
    const heading = readable
      ? `This spec has ${message.problems.length} problem${message.problems.length === 1 ? '' : 's'}. Fields with problems are marked below.`
      : 'The file is not valid JSON. The form shows the last state it could read and is read-only until the text is fixed; your text is kept as it is.';
    const list = el('ul');
    for (const problem of message.problems.slice(0, MAX_BANNER_PROBLEMS)) {
      const item = el('li');
      const where = problem.line === undefined || /\(line \d+/.test(problem.message) ? '' : ` (line ${problem.line}, column ${problem.column})`;
      const text = problem.pointer && problem.message.startsWith(`${problem.pointer}: `) ? problem.message.slice(problem.pointer.length + 2) : problem.message;
      if (problem.pointer) item.append(el('code', 'pointer', problem.pointer), document.createTextNode(': '));
      item.append(document.createTextNode(`${text}${where} `));
      item.append(ui.link('Show in text', () => this.send({ type: 'showText', pointer: problem.pointer })));
      list.append(item);
    }
    if (message.problems.length > MAX_BANNER_PROBLEMS) list.append(el('li', undefined, `… and ${message.problems.length - MAX_BANNER_PROBLEMS} more (see the Problems panel).`));
    this.banner.replaceChildren(el('strong', undefined, heading), list);
  }

  private updateRunButton(): void {
    this.runButton.setDisabled(!this.valid || this.running);
    this.runButton.setLabel(this.running ? 'Running…' : 'Run experiment');
    this.runRing.hidden = !this.running;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Edits

  private edit(ops: SpecEditOp[]): void {
    if (this.state.frozen) return;
    this.send({ type: 'edit', requestId: ++this.requestId, ops });
  }

  private cancelPending(pointer: string): void {
    const timer = this.pending.get(pointer);
    if (timer !== undefined) clearTimeout(timer);
    this.pending.delete(pointer);
  }
}

// ---------------------------------------------------------------------------------------------------------------

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parentsAreObjects(root: JsonObject, pointer: string): boolean {
  const parts = pointer.split('/').slice(1, -1);
  let at = '';
  for (const part of parts) {
    at = joinPointer(at, part.replace(/~1/g, '/').replace(/~0/g, '~'));
    const value = valueAtPointer(root, at);
    if (value === undefined) return true; // created on edit
    if (!isObject(value)) return false;
  }
  return true;
}

/** Whether the form can show `value` in `field`. */
function fits(field: FieldDescriptor, value: JsonValue): boolean {
  if (value === null) return field.nullable;
  switch (field.kind) {
    case 'string':
    case 'enum':
      return typeof value === 'string';
    case 'integer':
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'stringList':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'object':
      return isObject(value);
  }
}

function dataMode(value: JsonObject): 'csv' | 'synthetic' {
  const data = valueAtPointer(value, '/data');
  return isObject(data) && 'synthetic' in data ? 'synthetic' : 'csv';
}

function placeholderOf(field: FieldDescriptor): string {
  if (field.default === undefined) return '';
  if (field.default === null) return field.nullable ? 'not set (default)' : '';
  return `${typeof field.default === 'string' ? field.default : JSON.stringify(field.default)} (default)`;
}

function sameValueText(parsed: { ok: true; op: SpecEditOp } | { ok: false }, value: JsonValue | undefined): boolean {
  if (!parsed.ok) return true; // the user is mid-way through typing something that is not a number yet
  const op = parsed.op;
  return op.op === 'remove' ? value === undefined || value === null : JSON.stringify(op.value) === JSON.stringify(value);
}

function rank(order: readonly string[], name: string): number {
  const index = order.indexOf(name);
  return index < 0 ? order.length : index;
}

function runCaption(run: RunEntry): string {
  const when = run.startedAt ? new Date(run.startedAt).toLocaleString() : '';
  const state = run.cancelled ? 'cancelled' : run.complete ? '' : 'incomplete';
  return [when, state].filter(Boolean).join(' · ');
}

/**
 * The experiment form's shell: the header (file name, status, Run and Show text), the notice and problem banner,
 * and the sections, one module each (experiment, data, model, solvers, stopping, initialization, results), built
 * from the field descriptors the host derives from schema.json. The shell keeps the state, passes each host
 * message to the part it concerns, and updates every section's views when something changes; the sections turn
 * the user's changes into edit operations at JSON pointers. Sweepable fields carry an "Add sweep" link, and the
 * Sweep section lists the swept fields (sweepSection.ts).
 *
 * The form never holds the truth: it renders each `document` message. When the text is not valid JSON it keeps
 * showing the last state it could read, read-only; when a value in the text has the wrong type (or its parent is
 * not an object), that field shows the last valid value, read-only, and the banner says what to fix.
 */
import type {
  CsvFileEntry,
  CsvPreviewMessage,
  DocumentMessage,
  InitMessage,
  RunsMessage,
  SpecEditOp,
} from '../../src/protocol/specEditorMessages';
import { dataSection, type DataSection } from './dataSection';
import { experimentSection } from './experimentSection';
import { el, type FieldView, type FormContext, type RenderState, type Send } from './formContext';
import { initSection } from './initSection';
import { modelSection } from './modelSection';
import { problemBanner } from './problemBanner';
import { resultsSection, type ResultsSection } from './resultsSection';
import { solversSection } from './solversSection';
import { stoppingSection } from './stoppingSection';
import { sweepSection } from './sweepSection';
import * as ui from './toolkit';

export class SpecForm {
  private readonly views: FieldView[] = [];
  private requestId = 0;
  private state: RenderState = { value: {}, lastValid: {}, frozen: true, problems: [] };
  private documentSeen = false;
  private valid = false;
  private running = false;

  private readonly banner: ReturnType<typeof problemBanner>;
  private readonly notice = el('div', 'notice');
  private readonly status = el('span', 'status');
  private readonly runButton: ui.ButtonHandle;
  private readonly runRing = el('span', 'run-ring');
  private readonly data: DataSection;
  private readonly results: ResultsSection;

  constructor(
    private readonly root: HTMLElement,
    init: InitMessage,
    private readonly send: Send,
  ) {
    const context: FormContext = {
      fields: new Map(init.fields.map((field) => [field.pointer, field])),
      state: () => this.state,
      edit: (ops) => this.edit(ops),
      send,
      nextRequestId: () => ++this.requestId,
      register: (view) => this.views.push(view),
    };
    this.runButton = ui.button('Run experiment', () => send({ type: 'run' }), {
      title: 'Run this spec as it is now (same as “MoE Lab: Run Experiment”)',
    });
    this.banner = problemBanner(send);
    this.notice.hidden = true;
    this.notice.setAttribute('role', 'alert');
    // The problems stay in view while scrolling: they are part of the sticky top bar.
    const top = el('div', 'sticky');
    top.append(this.header(init.fileName), this.notice, this.banner.element);
    // Views are updated in the order the sections register them: top to bottom.
    const experiment = experimentSection(context);
    this.data = dataSection(context);
    const sections = [modelSection(context), solversSection(context), stoppingSection(context), initSection(context), sweepSection(context)];
    this.results = resultsSection(init.local, send);
    root.replaceChildren(top, experiment, this.data.element, ...sections, this.results.element);
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
    this.banner.show(message);
    this.updateRunButton();
    this.renderAll();
    // Which document the form shows: tests wait for it instead of for time, and it helps when debugging.
    this.root.dataset.version = String(message.version);
  }

  showCsvFiles(files: readonly CsvFileEntry[]): void {
    this.data.showCsvFiles(files);
    this.renderAll();
  }

  showPreview(preview: CsvPreviewMessage): void {
    if (this.data.acceptPreview(preview)) this.renderAll();
  }

  showRuns(message: RunsMessage): void {
    this.results.showRuns(message);
  }

  showRunState(running: boolean): void {
    this.running = running;
    this.updateRunButton();
  }

  showNotice(ok: boolean, message: string | undefined): void {
    const shown = !ok && message ? message : '';
    this.notice.textContent = shown;
    this.notice.hidden = shown === '';
  }

  // -------------------------------------------------------------------------------------------------------------

  private header(fileName: string): HTMLElement {
    const header = el('header', 'top');
    const title = el('div', 'title');
    title.append(el('h1', undefined, fileName), this.status);
    const actions = el('div', 'actions');
    const showText = ui.button('Show text', () => this.send({ type: 'showText' }), {
      secondary: true,
      title: 'Open the JSON text beside the form',
    });
    this.runRing.append(ui.progressRing());
    this.runRing.hidden = true;
    actions.append(this.runRing, this.runButton.element, showText.element);
    header.append(title, actions);
    return header;
  }

  private renderAll(): void {
    if (!this.documentSeen) return;
    for (const view of this.views) {
      try {
        view.update(this.state);
      } catch (error) {
        console.error(`spec editor: cannot show ${view.pointer}`, error);
      }
    }
  }

  private updateRunButton(): void {
    this.runButton.setDisabled(!this.valid || this.running);
    this.runButton.setLabel(this.running ? 'Running…' : 'Run experiment');
    this.runRing.hidden = !this.running;
  }

  private edit(ops: SpecEditOp[]): void {
    if (this.state.frozen) return;
    this.send({ type: 'edit', requestId: ++this.requestId, ops });
  }
}

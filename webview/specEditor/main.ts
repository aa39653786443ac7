/**
 * Entry of the spec editor's webview: waits for the toolkit's elements, says `ready`, then shows what the host
 * posts. The host is the only sender the page listens to; its messages are still checked for shape, and a failure
 * while showing one is reported in the page instead of leaving it blank.
 */
import './specEditor.css';
import type { FromWebviewMessage, ToWebviewMessage } from '../../src/protocol/specEditorMessages';
import { SpecForm } from './form';
import { toolkitReady } from './toolkit';

interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;
let form: SpecForm | undefined;
/** Messages that arrived before `init` (not expected, but harmless to keep). */
const early: ToWebviewMessage[] = [];

const TYPES = new Set(['init', 'document', 'csvFiles', 'csvPreview', 'runs', 'notice', 'runState']);

function isHostMessage(data: unknown): data is ToWebviewMessage {
  return typeof data === 'object' && data !== null && TYPES.has((data as { type?: unknown }).type as string);
}

function show(message: ToWebviewMessage): void {
  if (message.type === 'init') {
    form = new SpecForm(app, message, (out) => vscode.postMessage(out));
    for (const queued of early.splice(0)) show(queued);
    return;
  }
  if (!form) {
    early.push(message);
    return;
  }
  switch (message.type) {
    case 'document':
      if (message.value !== undefined && (typeof message.value !== 'object' || message.value === null)) return;
      if (!Array.isArray(message.problems)) return;
      form.showDocument(message);
      break;
    case 'csvFiles':
      if (Array.isArray(message.files)) form.showCsvFiles(message.files);
      break;
    case 'csvPreview':
      if (Array.isArray(message.header) && Array.isArray(message.rows)) form.showPreview(message);
      break;
    case 'runs':
      if (Array.isArray(message.runs)) form.showRuns(message);
      break;
    case 'notice':
      form.showNotice(message.ok === true, typeof message.message === 'string' ? message.message : undefined);
      break;
    case 'runState':
      form.showRunState(message.running === true);
      break;
  }
}

function fail(error: unknown): void {
  console.error('spec editor:', error);
  let box = document.getElementById('fatal');
  if (!box) {
    box = document.createElement('div');
    box.id = 'fatal';
    box.className = 'banner error';
    document.body.prepend(box);
  }
  box.textContent = `The form hit an error (${(error as Error)?.message ?? String(error)}). The file is unchanged; use “Reopen Editor With… Text Editor” to edit it as text.`;
}

window.addEventListener('message', (event: MessageEvent) => {
  if (!isHostMessage(event.data)) return;
  try {
    show(event.data);
  } catch (error) {
    fail(error);
  }
});

void toolkitReady().then((defined) => {
  if (!defined) console.warn('spec editor: the webview toolkit did not load; the form may look plain');
  vscode.postMessage({ type: 'ready' });
});

/**
 * The banner at the top of the form: for text that is not JSON, that the form is read-only until it is fixed; for
 * a spec with schema problems, the problems (the first few), each with a link to its place in the text.
 */
import type { DocumentMessage } from '../../src/protocol/specEditorMessages';
import { el, type Send } from './formContext';
import * as ui from './toolkit';

const MAX_BANNER_PROBLEMS = 12;

export function problemBanner(send: Send): { element: HTMLElement; show(message: DocumentMessage): void } {
  const banner = el('div', 'banner');
  banner.hidden = true;
  return {
    element: banner,
    show: (message) => {
      if (message.valid) {
        banner.hidden = true;
        banner.replaceChildren();
        return;
      }
      const readable = message.value !== undefined;
      banner.hidden = false;
      banner.className = `banner ${readable ? 'warning' : 'error'}`;
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
        item.append(ui.link('Show in text', () => send({ type: 'showText', pointer: problem.pointer })));
        list.append(item);
      }
      if (message.problems.length > MAX_BANNER_PROBLEMS) list.append(el('li', undefined, `… and ${message.problems.length - MAX_BANNER_PROBLEMS} more (see the Problems panel).`));
      banner.replaceChildren(el('strong', undefined, heading), list);
    },
  };
}

/** The Results section: the runs of this spec, newest first, each a link that opens its results. */
import type { RunEntry, RunsMessage } from '../../src/protocol/specEditorMessages';
import { section } from './fields';
import { el, type Send } from './formContext';
import * as ui from './toolkit';

export interface ResultsSection {
  readonly element: HTMLElement;
  showRuns(message: RunsMessage): void;
}

export function resultsSection(local: boolean, send: Send): ResultsSection {
  const element = section('results', 'Results', local ? undefined : 'Runs are listed for files on disk only.');
  const runsBox = el('div', 'runs');
  element.append(runsBox);
  return {
    element,
    showRuns: (message) => {
      runsBox.replaceChildren();
      if (message.runs.length === 0) {
        runsBox.append(el('p', 'caption', `No runs yet. Results are written to ${message.folder}/.`));
        return;
      }
      const list = el('ul', 'run-list');
      message.runs.forEach((run, i) => {
        const item = el('li');
        const open = ui.link(run.label, () => send({ type: 'openRun', id: run.id }), `Open the results of run ${run.id}`);
        item.append(el('span', 'run-tag', i === 0 ? 'Last run' : ''), open, el('span', 'caption', runCaption(run)));
        list.append(item);
      });
      runsBox.append(list, el('p', 'caption', `In ${message.folder}/`));
    },
  };
}

function runCaption(run: RunEntry): string {
  const when = run.startedAt ? new Date(run.startedAt).toLocaleString() : '';
  const state = run.cancelled ? 'cancelled' : run.complete ? '' : 'incomplete';
  return [when, state].filter(Boolean).join(' · ');
}

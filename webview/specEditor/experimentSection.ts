/** The Experiment section: the spec's top-level fields (name, results folder, error threshold). */
import { fieldsSection } from './fields';
import type { FormContext } from './formContext';

export function experimentSection(context: FormContext): HTMLElement {
  return fieldsSection(context, 'experiment', 'Experiment', undefined, ['/name', '/resultsDir', '/errorThreshold']);
}

/** The Initialization section: the fields of `/init` (strategy, seed, restarts, …), in schema order. */
import { objectSection } from './fields';
import type { FormContext } from './formContext';

export function initSection(context: FormContext): HTMLElement {
  return objectSection(context, 'init', '/init', 'Initialization');
}

/** The Model section: the fields of `/model` (experts, gate, expert family, …), in schema order. */
import { objectSection } from './fields';
import type { FormContext } from './formContext';

export function modelSection(context: FormContext): HTMLElement {
  return objectSection(context, 'model', '/model', 'Model');
}

/** The Stopping rule section: the fields of `/stopping`, in schema order. */
import { objectSection } from './fields';
import type { FormContext } from './formContext';

export function stoppingSection(context: FormContext): HTMLElement {
  return objectSection(context, 'stopping', '/stopping', 'Stopping rule');
}

/** The Solvers section: one card per solver (EM, Gradient EM, GD, Adam) with the fields of `/solvers/<name>`. */
import { addFields, childPointers, helpOf, section, titleOf } from './fields';
import { el, type FormContext } from './formContext';

const SOLVERS = ['em', 'gem', 'gd', 'adam'] as const;

export function solversSection(context: FormContext): HTMLElement {
  const element = section('solvers', titleOf(context, '/solvers', 'Solvers'), helpOf(context, '/solvers'));
  const cards = el('div', 'cards');
  for (const name of SOLVERS) {
    const pointer = `/solvers/${name}`;
    const card = el('div', 'card');
    card.dataset.solver = name;
    card.append(el('h3', undefined, titleOf(context, pointer, name)), el('p', 'caption', helpOf(context, pointer) ?? ''));
    addFields(context, card, childPointers(context, pointer));
    cards.append(card);
  }
  element.append(cards);
  return element;
}

/**
 * What a command does when asked to start a run while another is active: `ask` the user (modal: stop the active run
 * and start the new one, or keep it and start nothing), `stop` it without asking, or `keep` it (start nothing).
 * No VS Code import: option parsers that the unit tests load use it.
 */
export type WhenBusy = 'ask' | 'stop' | 'keep';

export function isWhenBusy(value: unknown): value is WhenBusy {
  return value === 'ask' || value === 'stop' || value === 'keep';
}

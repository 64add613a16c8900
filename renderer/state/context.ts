import { getContext } from 'svelte';
import type { Wizard } from './wizard';

/**
 * The wizard reaches components through Svelte context, set once by `mount`: it never changes for
 * the page's life, so it is not a reactive prop.
 */
const key = Symbol('portwise.wizard');

export function wizardContext(wizard: Wizard): Map<symbol, Wizard> {
  return new Map([[key, wizard]]);
}

export function getWizard(): Wizard {
  const wizard = getContext<Wizard | undefined>(key);
  if (!wizard) throw new Error('getWizard() outside a component mounted with wizardContext()');
  return wizard;
}

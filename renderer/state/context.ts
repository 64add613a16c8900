import { getContext } from 'svelte';
import type { Wizard } from './wizard';
import type { KnownHosts } from './known-hosts';

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

const knownHostsKey = Symbol('portwise.known-hosts');

/** The known-hosts manager, next to the wizard in the same context map. */
export function appContext(wizard: Wizard, knownHosts: KnownHosts): Map<symbol, Wizard | KnownHosts> {
  return new Map<symbol, Wizard | KnownHosts>([
    [key, wizard],
    [knownHostsKey, knownHosts],
  ]);
}

export function getKnownHosts(): KnownHosts {
  const knownHosts = getContext<KnownHosts | undefined>(knownHostsKey);
  if (!knownHosts) throw new Error('getKnownHosts() outside a component mounted with appContext()');
  return knownHosts;
}

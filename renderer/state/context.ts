import { getContext } from 'svelte';
import type { Wizard } from './wizard';
import type { KnownHosts } from './known-hosts';
import type { Profiles } from './profiles';

/**
 * The wizard reaches components through Svelte context, set once by `mount`: it never changes for
 * the page's life, so it is not a reactive prop.
 */
const key = Symbol('portwise.wizard');

export function getWizard(): Wizard {
  const wizard = getContext<Wizard | undefined>(key);
  if (!wizard) throw new Error('getWizard() outside a component mounted with appContext()');
  return wizard;
}

const knownHostsKey = Symbol('portwise.known-hosts');

const profilesKey = Symbol('portwise.profiles');

/** The known-hosts manager and the profiles, next to the wizard in the same context map. */
export function appContext(wizard: Wizard, knownHosts: KnownHosts, profiles: Profiles): Map<symbol, Wizard | KnownHosts | Profiles> {
  return new Map<symbol, Wizard | KnownHosts | Profiles>([
    [key, wizard],
    [knownHostsKey, knownHosts],
    [profilesKey, profiles],
  ]);
}

export function getProfiles(): Profiles {
  const profiles = getContext<Profiles | undefined>(profilesKey);
  if (!profiles) throw new Error('getProfiles() outside a component mounted with appContext()');
  return profiles;
}

export function getKnownHosts(): KnownHosts {
  const knownHosts = getContext<KnownHosts | undefined>(knownHostsKey);
  if (!knownHosts) throw new Error('getKnownHosts() outside a component mounted with appContext()');
  return knownHosts;
}

import { getContext } from 'svelte';
import type { Wizard } from './wizard';
import type { KnownHosts } from './known-hosts';
import type { Profiles } from './profiles';
import type { History } from './history';
import type { Fleet } from './fleet';

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

const historyKey = Symbol('portwise.history');

const fleetKey = Symbol('portwise.fleet');

type AppStore = Wizard | KnownHosts | Profiles | History | Fleet;

/** The known-hosts manager, the profiles, the history and the fleet, next to the wizard in the same context map. */
export function appContext(wizard: Wizard, knownHosts: KnownHosts, profiles: Profiles, history: History, fleet: Fleet): Map<symbol, AppStore> {
  return new Map<symbol, AppStore>([
    [key, wizard],
    [knownHostsKey, knownHosts],
    [profilesKey, profiles],
    [historyKey, history],
    [fleetKey, fleet],
  ]);
}

export function getFleet(): Fleet {
  const fleet = getContext<Fleet | undefined>(fleetKey);
  if (!fleet) throw new Error('getFleet() outside a component mounted with appContext()');
  return fleet;
}

export function getHistory(): History {
  const history = getContext<History | undefined>(historyKey);
  if (!history) throw new Error('getHistory() outside a component mounted with appContext()');
  return history;
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

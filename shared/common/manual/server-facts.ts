import type { RemoteFacts } from '../tree/remote-facts';
import type { PastePatch } from './types';

/**
 * The server's evidence with pasted pieces in place. Over SSH, a piece that could not be read
 * (the firewall without root, say) is pasted by a person and replaces that piece; without SSH the
 * pastes are all there is, and every piece nobody pasted is marked as not collected.
 *
 * Several patches apply in order. Listeners, service and containers: the later one replaces the
 * earlier. Addresses: per address. Firewall: per rule set (source); the managers add up, and a
 * rule set that is now read leaves the list of unreadable ones.
 */
export function serverFactsWithPastes(base: RemoteFacts | null, patches: readonly PastePatch[], server: string): RemoteFacts {
  let facts = base ?? pastedOnly(server);
  for (const patch of patches) {
    switch (patch.kind) {
      case 'listeners':
        facts = { ...facts, listeners: patch.listeners };
        break;
      case 'addresses': {
        const pasted = new Map(patch.ownership.map((o) => [o.address, o]));
        const kept = facts.ownership.map((o) => pasted.get(o.address) ?? o);
        const added = patch.ownership.filter((o) => !facts.ownership.some((k) => k.address === o.address));
        facts = { ...facts, ownership: [...kept, ...added] };
        break;
      }
      case 'service':
        facts = { ...facts, service: patch.service };
        break;
      case 'containers':
        facts = { ...facts, containers: patch.containers };
        break;
      case 'firewall': {
        const sources = new Set<string>(patch.snapshots.map((s) => s.source));
        const managers = [...facts.firewall.activeManagers, ...patch.activeManagers.filter((m) => !facts.firewall.activeManagers.includes(m))];
        facts = {
          ...facts,
          firewall: {
            snapshots: [...facts.firewall.snapshots.filter((s) => !sources.has(s.source)), ...patch.snapshots],
            unreadable: facts.firewall.unreadable.filter((u) => u.source !== NOT_PASTED_FIREWALL && !sources.has(u.source)),
            activeManagers: managers,
          },
        };
        break;
      }
    }
  }
  return facts;
}

/** The placeholder `unreadable` source of a firewall nobody pasted. */
const NOT_PASTED_FIREWALL = 'firewall';

/** Manual mode without SSH: nothing was collected, so every piece starts as "not pasted". */
function pastedOnly(server: string): RemoteFacts {
  return {
    server,
    origin: 'pasted',
    uid: null,
    sudo: false,
    ownership: [],
    listeners: { status: 'skipped', source: 'not pasted', listeners: [], reason: 'no listener table was pasted' },
    selfProbes: [],
    firewall: { snapshots: [], unreadable: [{ source: NOT_PASTED_FIREWALL, status: 'skipped', reason: 'no rule set was pasted' }], activeManagers: [] },
    correlation: null,
    service: null,
    kernelAnswers: null,
    containers: null,
  };
}

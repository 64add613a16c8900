import { calls, FLEET_LIMITS, FleetServerChoice } from '../../shared/common/ipc';
import type { Profile } from '../../shared/common/schema/profile';
import { destinationKey, formatSshDestination, parseSshDestination } from '../../shared/common/schema/ssh-destination';
import { profileMatches } from './profile-form';

/**
 * The fleet form's rules, pure: which saved profiles the picker shows (search, group, tag), what a
 * typed destination may be, and the message for each mistake. The bounds come from the IPC
 * contract, so the form and main agree; main parses everything again and its answer is final.
 */

export interface FleetDraft {
  port: number | null;
  profileIds: readonly string[];
  destinations: readonly string[];
  service: string;
  concurrency: number | null;
  rounds: number | null;
  timeoutMs: number | null;
}

export interface FleetErrors {
  port: string | null;
  /** About the list of servers as a whole (none chosen, too many). */
  servers: string | null;
  service: string | null;
  concurrency: string | null;
  rounds: string | null;
  timeoutMs: string | null;
}

/** A field of the form, in the order the focus visits them. */
export type FleetField = keyof FleetErrors;

const request = calls.startFleet.request.shape;
const serviceSchema = request.service.unwrap();
const sshChoice = FleetServerChoice.options[1].shape;

const roundsSchema = request.rounds.unwrap();
const timeoutSchema = request.timeoutMs.unwrap();

export const fleetLimits = {
  ...FLEET_LIMITS,
  serviceMax: serviceSchema.maxLength ?? 256,
  destinationMax: sshChoice.destination.maxLength ?? 300,
  roundsMin: roundsSchema.minValue ?? 1,
  roundsMax: roundsSchema.maxValue ?? 10,
  timeoutMin: timeoutSchema.minValue ?? 100,
  timeoutMax: timeoutSchema.maxValue ?? 60_000,
} as const;

/** The picker's filter: text over name, host, user, groups, tags and service; '' for any group or tag. */
export interface ProfileFilter {
  search: string;
  group: string;
  tag: string;
}

export function filterProfiles(profiles: readonly Profile[], filter: ProfileFilter): Profile[] {
  return profiles.filter((p) => profileMatches(p, filter.search) && (filter.group === '' || p.groups.includes(filter.group)) && (filter.tag === '' || p.tags.includes(filter.tag)));
}

/** Every group and every tag the saved profiles use, each once, sorted as a person reads them. */
export function profileLabels(profiles: readonly Profile[]): { groups: string[]; tags: string[] } {
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => a.localeCompare(b));
  return { groups: sorted(profiles.flatMap((p) => p.groups)), tags: sorted(profiles.flatMap((p) => p.tags)) };
}

/** How main tells two typed servers apart (the CLI's rule); null for a text that does not parse. */
function serverKey(text: string): string | null {
  const parsed = parseSshDestination(text);
  return parsed.ok ? destinationKey(parsed.value) : null;
}

/**
 * A typed destination about to join the list: parsed as main will parse it, and refused when it is
 * already there. The value to add is the destination as main will name it (`user@host[:port]`).
 */
export function checkDestination(text: string, added: readonly string[]): { ok: true; destination: string } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed.length > fleetLimits.destinationMax) return { ok: false, message: `Use at most ${fleetLimits.destinationMax} characters.` };
  const parsed = parseSshDestination(trimmed);
  if (!parsed.ok) return { ok: false, message: parsed.error.message };
  const destination = formatSshDestination(parsed.value);
  const key = serverKey(trimmed);
  if (added.some((d) => serverKey(d) === key)) return { ok: false, message: `${destination} is in the list already: each server once.` };
  return { ok: true, destination };
}

export function validateFleetForm(draft: FleetDraft): FleetErrors {
  const count = draft.profileIds.length + draft.destinations.length;
  const service = draft.service.trim();
  return {
    port: request.port.safeParse(draft.port).success ? null : 'Give the port to diagnose, a whole number from 1 to 65535.',
    servers:
      count === 0
        ? 'Choose at least one saved profile or add a destination.'
        : count > fleetLimits.maxServers
          ? `At most ${fleetLimits.maxServers} servers in one run (${count} are chosen).`
          : null,
    service:
      service === '' || serviceSchema.safeParse(service).success
        ? null
        : `Give the service's unit name, such as postgresql or nginx: at most ${fleetLimits.serviceMax} characters, no control characters.`,
    concurrency: request.concurrency.unwrap().safeParse(draft.concurrency).success ? null : `Use a whole number from 1 to ${fleetLimits.maxConcurrency}.`,
    rounds: roundsSchema.safeParse(draft.rounds).success ? null : `Use a whole number of rounds from ${fleetLimits.roundsMin} to ${fleetLimits.roundsMax}.`,
    timeoutMs: timeoutSchema.safeParse(draft.timeoutMs).success ? null : `Use a whole number of milliseconds from ${fleetLimits.timeoutMin} to ${fleetLimits.timeoutMax}.`,
  };
}

/** The first field with a mistake, in focus order, or null when the form can be sent. */
export function firstInvalid(errors: FleetErrors): FleetField | null {
  const order: readonly FleetField[] = ['port', 'servers', 'service', 'concurrency', 'rounds', 'timeoutMs'];
  return order.find((field) => errors[field] !== null) ?? null;
}

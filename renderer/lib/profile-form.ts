import { ProfileInput, type AuthMethod, type Profile, type ProfilePatch } from '../../shared/common/schema/profile';
import { formatSshDestination } from '../../shared/common/schema/ssh-destination';
import type { AccessChoice } from '../state/wizard';

/**
 * The profile form's draft and its rules, pure: the draft is what the inputs hold (text), the patch
 * is what goes to main, and the errors come from the very schema main and the CLI use.
 */
export interface ProfileDraft {
  name: string;
  host: string;
  port: string;
  user: string;
  auth: AuthMethod;
  keyPath: string;
  /** Jump profiles by id, first hop first. */
  jumps: string[];
  sudo: boolean;
  /** Comma-separated, as typed. */
  groups: string;
  tags: string;
  serviceHint: string;
  notes: string;
}

export type ProfileFormField = keyof ProfileDraft;

export const emptyDraft = (): ProfileDraft => ({
  name: '',
  host: '',
  port: '22',
  user: '',
  auth: 'agent',
  keyPath: '',
  jumps: [],
  sudo: false,
  groups: '',
  tags: '',
  serviceHint: '',
  notes: '',
});

export function draftOf(profile: Profile): ProfileDraft {
  return {
    name: profile.name,
    host: profile.host,
    port: String(profile.port),
    user: profile.user,
    auth: profile.auth,
    keyPath: profile.keyPath ?? '',
    jumps: [...profile.jumps],
    sudo: profile.sudo === 'sudo-n',
    groups: profile.groups.join(', '),
    tags: profile.tags.join(', '),
    serviceHint: profile.serviceHint ?? '',
    notes: profile.notes,
  };
}

const words = (text: string) =>
  text
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');

/** What is sent: every field, so an edit replaces the whole profile with what the form shows. */
export function patchOf(draft: ProfileDraft): ProfilePatch {
  const port = Number(draft.port.trim());
  return {
    name: draft.name,
    host: draft.host,
    port: draft.port.trim() === '' ? 22 : Number.isInteger(port) ? port : Number.NaN,
    user: draft.user,
    auth: draft.auth,
    keyPath: draft.auth === 'key' || draft.keyPath.trim() !== '' ? draft.keyPath.trim() || null : null,
    jumps: draft.jumps,
    sudo: draft.sudo ? 'sudo-n' : 'never',
    groups: words(draft.groups),
    tags: words(draft.tags),
    serviceHint: draft.serviceHint.trim() === '' ? null : draft.serviceHint.trim(),
    notes: draft.notes,
  };
}

/** The schema's messages by form field (a list field's item problems land on the list). */
export function draftErrors(draft: ProfileDraft): Partial<Record<ProfileFormField, string>> {
  const parsed = ProfileInput.safeParse(patchOf(draft));
  if (parsed.success) return {};
  const errors: Partial<Record<ProfileFormField, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0];
    if (typeof field !== 'string' || !(field in draft)) continue;
    const key = field as ProfileFormField;
    errors[key] ??= key === 'port' ? 'A port is a whole number from 1 to 65535.' : issue.message;
  }
  return errors;
}

/** Search over what a person remembers of a server: its name, host, user, groups and tags. */
export function profileMatches(profile: Profile, search: string): boolean {
  const text = search.trim().toLowerCase();
  if (text === '') return true;
  return [profile.name, profile.host, profile.user, ...profile.groups, ...profile.tags, profile.serviceHint ?? ''].some((v) => v.toLowerCase().includes(text));
}

/**
 * The wizard's access choice for a saved profile, from the form's picker or "Diagnose with it": the
 * chain as the saved profiles give it now, for the path diagram; main expands it again (nested jumps
 * included) when the diagnosis starts.
 */
export function profileAccessChoice(profile: Profile, all: readonly Profile[]): Extract<AccessChoice, { kind: 'profile' }> {
  const jumps = profile.jumps.map((id) => all.find((p) => p.id === id)).filter((p) => p !== undefined);
  return { kind: 'profile', id: profile.id, name: profile.name, destination: formatSshDestination(profile), jumps: jumps.map((p) => formatSshDestination(p)) };
}

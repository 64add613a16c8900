import { ProfileInput, type AuthMethod, type Profile, type ProfilePatch } from '../../shared/common/schema/profile';

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

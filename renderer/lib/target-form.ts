import { isServiceName, isWholeNumberWithin, PROBE_LIMITS, SERVICE_NAME_MAX, SSH_LIMITS } from '../../shared/common/schema/limits';
import type { Symptom } from '../../shared/common/schema/report';
import { parseSshDestination } from '../../shared/common/schema/ssh-destination';
import { parseTarget } from '../../shared/common/schema/target-text';

/**
 * The target form's rules, pure: what each field may hold (the limits the IPC contract's schemas
 * are built from, so the form and main agree), the message for each mistake, and where main's
 * refusal belongs. Nothing here loads zod: this is the first screen, shown before zod is loaded.
 */

export interface FormDraft {
  input: string;
  service: string;
  access: 'none' | 'ssh' | 'profile';
  /** The saved profile chosen ('' when none is). */
  profileId?: string;
  destination: string;
  jumps: readonly string[];
  rounds: number | null;
  timeoutMs: number | null;
}

export interface FormErrors {
  target: string | null;
  service: string | null;
  destination: string | null;
  profile: string | null;
  /** One entry per jump row, in order. */
  jumps: readonly (string | null)[];
  rounds: string | null;
  timeout: string | null;
}

/** A field of the form, in the order the focus visits them; `jump` carries the row index. */
export type FormField = { name: 'target' | 'service' | 'destination' | 'profile' | 'rounds' | 'timeout' } | { name: 'jump'; index: number };

/** The contract's bound on the jump list. */
export const MAX_JUMPS = SSH_LIMITS.maxJumps;

export const limits = {
  roundsMin: PROBE_LIMITS.rounds.min,
  roundsMax: PROBE_LIMITS.rounds.max,
  timeoutMin: PROBE_LIMITS.timeoutMs.min,
  timeoutMax: PROBE_LIMITS.timeoutMs.max,
  serviceMax: SERVICE_NAME_MAX,
  destinationMax: SSH_LIMITS.destinationMax,
} as const;

/** The symptom choices, in the words a person would use; null is "not said". */
export const symptomChoices: readonly { value: Symptom | null; label: string }[] = [
  { value: null, label: 'Not sure' },
  { value: 'refused', label: 'Connection refused' },
  { value: 'timeout', label: 'Timed out' },
  { value: 'reset', label: 'Connection reset' },
  { value: 'no-route', label: 'No route to host' },
];

function serverError(text: string, what: 'server' | 'jump'): string | null {
  if (text.length > limits.destinationMax) return `Use at most ${limits.destinationMax} characters.`;
  const parsed = parseSshDestination(text);
  if (parsed.ok) return null;
  if (parsed.error.code === 'empty') return what === 'jump' ? 'Give the jump host as user@host or user@host:port, or remove it.' : parsed.error.message;
  return parsed.error.message;
}

export function validateForm(draft: FormDraft): FormErrors {
  const target = parseTarget(draft.input);
  const service = draft.service.trim();
  const ssh = draft.access === 'ssh';
  return {
    target: target.ok ? null : target.error.message,
    service:
      service === '' || isServiceName(service)
        ? null
        : `Give the service's unit name, such as postgresql or nginx: at most ${limits.serviceMax} characters, no control characters.`,
    destination: ssh ? serverError(draft.destination, 'server') : null,
    profile: draft.access === 'profile' && !draft.profileId ? 'Choose a saved profile, or another way to reach the server.' : null,
    jumps: draft.jumps.map((jump) => (ssh ? serverError(jump, 'jump') : null)),
    rounds: isWholeNumberWithin(draft.rounds, PROBE_LIMITS.rounds) ? null : `Use a whole number of rounds from ${limits.roundsMin} to ${limits.roundsMax}.`,
    timeout: isWholeNumberWithin(draft.timeoutMs, PROBE_LIMITS.timeoutMs) ? null : `Use a whole number of milliseconds from ${limits.timeoutMin} to ${limits.timeoutMax}.`,
  };
}

/** The first field with a mistake, in focus order, or null when the form can be sent. */
export function firstInvalid(errors: FormErrors): FormField | null {
  if (errors.target) return { name: 'target' };
  if (errors.service) return { name: 'service' };
  if (errors.destination) return { name: 'destination' };
  if (errors.profile) return { name: 'profile' };
  const jump = errors.jumps.findIndex((e) => e !== null);
  if (jump >= 0) return { name: 'jump', index: jump };
  if (errors.rounds) return { name: 'rounds' };
  if (errors.timeout) return { name: 'timeout' };
  return null;
}

/**
 * Where main's refusal of a start belongs. Main parses the SSH texts with the same parser as the
 * form, so a refused jump host is found by that parser, or by the quoted text main names, else the
 * first row.
 */
export function refusalField(code: string, message: string, jumps: readonly string[]): FormField {
  if (code === 'bad-ssh-destination') return { name: 'destination' };
  if (code.startsWith('profile-')) return { name: 'profile' };
  if (code === 'bad-jump-host') {
    const rows = jumps.map((j) => j.trim());
    const unparsed = rows.findIndex((j) => !parseSshDestination(j).ok);
    const named = rows.findIndex((j) => j !== '' && message.includes(`"${j}"`));
    return { name: 'jump', index: Math.max(0, unparsed >= 0 ? unparsed : named) };
  }
  return { name: 'target' };
}

/** The port the SSH preview shows: the target's, once the target parses. */
export function previewPort(input: string): number | null {
  const parsed = parseTarget(input);
  return parsed.ok ? parsed.value.port : null;
}

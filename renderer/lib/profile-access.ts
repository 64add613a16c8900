import type { Profile } from '../../shared/common/schema/profile';
import { formatSshDestination } from '../../shared/common/schema/ssh-destination';
import type { AccessChoice } from '../state/wizard';

/**
 * The wizard's access choice for a saved profile, from the form's picker or "Diagnose with it": the
 * chain as the saved profiles give it now, for the path diagram; main expands it again (nested jumps
 * included) when the diagnosis starts. Apart from profile-form.ts, whose rules load the profile
 * schema (zod): the first screen's picker needs this alone.
 */
export function profileAccessChoice(profile: Profile, all: readonly Profile[]): Extract<AccessChoice, { kind: 'profile' }> {
  const jumps = profile.jumps.map((id) => all.find((p) => p.id === id)).filter((p) => p !== undefined);
  return { kind: 'profile', id: profile.id, name: profile.name, destination: formatSshDestination(profile), jumps: jumps.map((p) => formatSshDestination(p)) };
}

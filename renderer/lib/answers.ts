import type { NodeAnswer } from '../../shared/common/schema/answers';

/**
 * A step's answer is several parts (a choice, a paste, an override); changing one keeps the others,
 * so overriding a step does not throw away output a person pasted there.
 */

export function withOverride(previous: NodeAnswer | undefined, override: { to: string; reason: string }): NodeAnswer {
  return { ...previous, override: { to: override.to, reason: override.reason.trim() } };
}

/** The answer without one part; null when nothing is left (the step is then decided by the evidence). */
export function withoutPart(previous: NodeAnswer | undefined, part: keyof NodeAnswer): NodeAnswer | null {
  if (!previous) return null;
  const { [part]: _removed, ...rest } = previous;
  return Object.keys(rest).length > 0 ? rest : null;
}

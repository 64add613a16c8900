import type { ConfigBlock } from './config-document';

/**
 * OpenSSH's Host pattern rules (ssh_config(5) PATTERNS): `*` and `?` wildcards, `!` negation, and
 * a negated match excludes the host whatever else matches. Matching is case-sensitive and against
 * the name as typed (before HostName), as ssh's readconf.c does.
 */

export function globMatches(pattern: string, text: string): boolean {
  // Iterative `*` backtracking: linear enough for config-sized patterns, no regex built from input.
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = p++;
      starT = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export function hostPatternsMatch(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, host)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** A pattern that names one host: ssh can be asked for it by that name, so it can become a profile. */
export const isConcreteAlias = (pattern: string): boolean => pattern !== '' && !/[*?!]/.test(pattern);

export type Applies = 'yes' | 'no' | 'match';

/**
 * Whether a line under these blocks applies to `host`. A Match block anywhere in the chain makes it
 * 'match': Portwise does not evaluate Match (its `exec` would run commands), so it is reported.
 */
export function blocksApply(scopes: readonly ConfigBlock[], host: string): Applies {
  let result: Applies = 'yes';
  for (const block of scopes) {
    if (block.kind === 'unreadable') return 'no';
    if (block.kind === 'host' && !hostPatternsMatch(block.patterns, host)) return 'no';
    if (block.kind === 'match') result = 'match';
  }
  return result;
}

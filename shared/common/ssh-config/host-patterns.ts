import type { ConfigBlock } from './config-document';

/**
 * OpenSSH's Host pattern rules (ssh_config(5) PATTERNS): `*` and `?` wildcards, `!` negation, and
 * a negated match excludes the host whatever else matches. Matching is case-sensitive and against
 * the name as typed (before HostName), as ssh's readconf.c does.
 */

/** A wildcard pattern's parts: `*` (any run of characters) or a test of exactly one character. */
export type WildcardToken = '*' | ((c: string) => boolean);

const anyChar = (): boolean => true;

/**
 * Whether the whole of `text` matches `tokens`. Every token but `*` takes one character, so going
 * back to the last `*` is enough: O(text x tokens), and no regular expression built from input.
 */
export function matchWildcard(tokens: readonly WildcardToken[], text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const token = tokens[p];
    if (token === '*') {
      starP = p++;
      starT = t;
    } else if (token !== undefined && token(text[t] ?? '')) {
      p++;
      t++;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (tokens[p] === '*') p++;
  return p === tokens.length;
}

/** A Host pattern: `*` and `?`, every other character itself. */
export function globMatches(pattern: string, text: string): boolean {
  return matchWildcard(
    pattern.split('').map((c): WildcardToken => (c === '*' ? '*' : c === '?' ? anyChar : (ch) => ch === c)),
    text,
  );
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

/**
 * A small reading of a Content-Security-Policy string, enough to judge ours: which sources each
 * directive allows, with CSP's fallback to `default-src`. Not a full CSP parser; it only has to be
 * strict, so anything it does not recognise counts against the policy.
 */

export type CspPolicy = ReadonlyMap<string, readonly string[]>;

export function parseCsp(policy: string): CspPolicy {
  const directives = new Map<string, readonly string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/).filter(Boolean);
    if (!name) continue;
    const key = name.toLowerCase();
    // As browsers do: a repeated directive is ignored, the first one wins.
    if (!directives.has(key)) directives.set(key, sources);
  }
  return directives;
}

/** The fetch directives that fall back to `default-src` when absent (CSP Level 3). */
const FETCH_DIRECTIVES = ['script-src', 'script-src-elem', 'script-src-attr', 'style-src', 'img-src', 'font-src', 'connect-src', 'object-src', 'media-src', 'frame-src', 'child-src', 'worker-src', 'manifest-src'];

/** The sources a fetch directive really allows: its own list, or the fallback chain's. */
export function effectiveSources(policy: CspPolicy, directive: string): readonly string[] {
  const own = policy.get(directive);
  if (own) return own;
  // script-src-elem / -attr fall back to script-src first; worker-src to child-src then script-src.
  const chain: Record<string, string[]> = {
    'script-src-elem': ['script-src'],
    'script-src-attr': ['script-src'],
    'worker-src': ['child-src', 'script-src'],
    'frame-src': ['child-src'],
  };
  for (const next of chain[directive] ?? []) {
    const found = policy.get(next);
    if (found) return found;
  }
  return policy.get('default-src') ?? ['*'];
}

/** Sources that would let inline code run or code be made from strings. */
const INLINE_OR_EVAL = /^'(unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|strict-dynamic|nonce-.*|sha(256|384|512)-.*)'$/i;

/**
 * Every way the policy lets in inline script or anything not bundled with the app: a list of
 * findings, empty for a policy we accept. `allowedData` names the directives that may use `data:`
 * (small inlined images): data: is not remote, but it is not "self" either.
 */
export function cspFindings(policy: string, allowedData: readonly string[] = []): string[] {
  const parsed = parseCsp(policy);
  const findings: string[] = [];
  if ((parsed.get('default-src') ?? []).join(' ') !== "'none'") findings.push(`default-src is not 'none'`);
  for (const directive of FETCH_DIRECTIVES) {
    for (const source of effectiveSources(parsed, directive)) {
      const lower = source.toLowerCase();
      if (lower === "'self'" || lower === "'none'") continue;
      if (lower === 'data:' && allowedData.includes(directive)) continue;
      if (INLINE_OR_EVAL.test(source)) findings.push(`${directive} allows ${source}`);
      // A scheme (https:, http:, ws:, blob:, data:), a wildcard or a host: all let in something remote.
      else findings.push(`${directive} allows the source ${source}`);
    }
  }
  // Not fetch directives, but each one left open is a way around the rest.
  for (const directive of ['base-uri', 'form-action', 'frame-ancestors']) {
    if ((parsed.get(directive) ?? []).join(' ') !== "'none'") findings.push(`${directive} is not 'none'`);
  }
  return findings;
}

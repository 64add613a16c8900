import type { ProxySettings } from '../schema/proxy';
import type { Evidence, Verification } from '../schema/report';
import { plural } from './attempt-words';
import { verifyRows, type AttemptsSummary } from './verify-rows';

/** Sentences that every export format says the same way: what a whole output was, the proxy, a verification. */

/**
 * What the report knows of the whole output behind `raw`: its sha256 and size, and whether the text
 * shown is all of it. Null when the report has no digest for it (written before digests, or no output).
 */
export function wholeOutputWords(e: Pick<Evidence, 'raw' | 'rawSha256' | 'rawBytes'>): { sha256: string | null; text: string } | null {
  if (e.raw === null || e.rawBytes === undefined || e.rawBytes === null) return null;
  const size = plural(e.rawBytes, 'byte', 'bytes');
  if (e.rawSha256 === null || e.rawSha256 === undefined) return { sha256: null, text: `${size}; its sha256 is left out because this output was redacted` };
  const shownBytes = utf8Length(e.raw);
  const cut = shownBytes < e.rawBytes ? `; the output shown is cut, the digest covers all of it` : '';
  return { sha256: e.rawSha256, text: `${size}${cut}` };
}

/** The proxy an application on this workstation would use for the target, in one sentence. */
export function proxyWords(proxy: ProxySettings): string {
  if (proxy.variables.length === 0) return 'none: no proxy variable is set';
  const set = proxy.variables.map((v) => `${v.name}=${v.value}`).join(', ');
  if (proxy.proxyForTarget !== null) return `${set}; an HTTP client would reach the target through ${proxy.proxyForTarget}`;
  if (proxy.noProxyMatch !== null) return `${set}; the target is exempt (NO_PROXY entry ${proxy.noProxyMatch})`;
  return `${set}; none applies to the target`;
}

export interface VerificationView {
  at: string;
  /** "Fixed: every address connects" or "Not fixed: ...". */
  verdict: string;
  rows: { address: string; before: string; after: string; fixed: boolean }[];
}

/** A verify-the-fix run as rows: per address, what the diagnosis saw and what the probe after the fix saw. */
export function verificationView(v: Verification): VerificationView {
  const rows = verifyRows(v.before, v.after).map((r) => ({ address: r.address, before: attemptsWords(r.before), after: attemptsWords(r.after), fixed: r.fixed }));
  const still = rows.filter((r) => !r.fixed).length;
  const verdict = v.fixed ? 'Fixed: every address connects now.' : `Not fixed: ${plural(still, 'address still fails', 'addresses still fail')}.`;
  return { at: v.at, verdict, rows };
}

function attemptsWords(summary: AttemptsSummary | null): string {
  return summary === null ? 'not probed' : `${summary.word} (${summary.detail})`;
}

function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

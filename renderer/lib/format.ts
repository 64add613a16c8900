import type { AddressSource, ConnectStatus, ProbeAttempt, ResolvedAddress } from '../../shared/common/schema/probe';
import type { Confidence, EvidenceStatus } from '../../shared/common/schema/report';

/** Words for what the engine reports. Every status has a word, so colour is never the only signal. */

export const statusWord: Readonly<Record<ConnectStatus, string>> = {
  connected: 'Connected',
  refused: 'Refused',
  timeout: 'Timed out',
  unreachable: 'Unreachable',
  reset: 'Reset',
};

/** A glyph beside the word, for a quicker scan; hidden from screen readers, which read the word. */
export const statusGlyph: Readonly<Record<ConnectStatus, string>> = {
  connected: '✓',
  refused: '✕',
  timeout: '⏱',
  unreachable: '⚠',
  reset: '↯',
};

export function attemptWord(attempt: ProbeAttempt): string {
  if (attempt.status === 'reset' && attempt.afterConnect) return 'Closed at once';
  return statusWord[attempt.status];
}

export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A setting or a lookup time: whole seconds read as seconds, anything else in milliseconds. */
export function formatDuration(ms: number): string {
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function familyLabel(family: 4 | 6): string {
  return family === 4 ? 'IPv4' : 'IPv6';
}

const sourceLabels: Readonly<Record<AddressSource, string>> = {
  literal: 'typed',
  'hosts-file': 'hosts file',
  dns: 'DNS',
  system: 'system resolver',
};

export function sourcesLabel(sources: readonly AddressSource[]): string {
  return sources.length === 0 ? 'unknown' : sources.map((s) => sourceLabels[s]).join(', ');
}

/** Where the address lives, as a short tag: loopback, this computer, or elsewhere. */
export function placeTag(address: ResolvedAddress): { kind: 'loopback' | 'local' | 'remote'; label: string } {
  if (address.loopback) return { kind: 'loopback', label: 'loopback' };
  if (address.localInterface !== null) return { kind: 'local', label: `this computer (${address.localInterface})` };
  return { kind: 'remote', label: 'remote' };
}

export const confidenceLabel: Readonly<Record<Confidence, string>> = {
  high: 'High confidence',
  medium: 'Medium confidence',
  low: 'Low confidence',
};

/** The pill tone (global.css) that goes with each confidence. */
export const confidenceTone: Readonly<Record<Confidence, string>> = {
  high: 'tone-ok',
  medium: 'tone-info',
  low: 'tone-warn',
};

export const evidenceStatusLabel: Readonly<Record<EvidenceStatus, string>> = {
  ok: 'collected',
  error: 'error',
  timeout: 'timed out',
  'needs-privilege': 'needs privilege',
  unsupported: 'not supported here',
  skipped: 'skipped',
};

export { platformLabel } from '../../shared/common/report/platform-label';

/** Splits `text` on backticks: odd parts were quoted as code. The caller renders each part as text. */
export function splitInlineCode(text: string): { code: boolean; text: string }[] {
  const parts = text.split('`');
  // An unbalanced backtick is shown as typed rather than guessed at.
  if (parts.length % 2 === 0) return [{ code: false, text }];
  return parts.map((part, i) => ({ code: i % 2 === 1, text: part })).filter((p) => p.text !== '');
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

import type { AddressSource, ConnectStatus, ResolvedAddress } from '../../shared/common/schema/probe';
import type { Confidence, EvidenceStatus } from '../../shared/common/schema/report';

/** Words for what the engine reports. Every status has a word, so colour is never the only signal. */

/** A glyph beside the word, for a quicker scan; hidden from screen readers, which read the word. */
export const statusGlyph: Readonly<Record<ConnectStatus, string>> = {
  connected: '✓',
  refused: '✕',
  timeout: '⏱',
  unreachable: '⚠',
  reset: '↯',
};

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
export { attemptWord, formatMs, plural, statusWord } from '../../shared/common/report/attempt-words';

/** Splits `text` on backticks: odd parts were quoted as code. The caller renders each part as text. */
export function splitInlineCode(text: string): { code: boolean; text: string }[] {
  const parts = text.split('`');
  // An unbalanced backtick is shown as typed rather than guessed at.
  if (parts.length % 2 === 0) return [{ code: false, text }];
  return parts.map((part, i) => ({ code: i % 2 === 1, text: part })).filter((p) => p.text !== '');
}


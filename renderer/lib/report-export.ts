import type { CallRequest, CallResponse } from '../../shared/common/ipc';
import type { RedactionPlan, RedactKind } from '../../shared/common/report/redact';

/** What the export dialog offers and shows: the formats, what to hide, the preview's rows, the file. */

export type ExportFormat = CallRequest<'exportReport'>['format'];
export type RedactChoice = CallRequest<'exportReport'>['redact'][number];

export const EXPORT_FORMATS: readonly { format: ExportFormat; label: string; hint: string }[] = [
  { format: 'md', label: 'Markdown', hint: 'for a ticket or a chat' },
  { format: 'html', label: 'HTML', hint: 'one self-contained page' },
  { format: 'pdf', label: 'PDF', hint: 'to print or attach' },
  { format: 'json', label: 'JSON', hint: 'the whole report, for tools' },
];

export const REDACT_CHOICES: readonly { kind: RedactChoice; label: string }[] = [
  { kind: 'hosts', label: 'Host names' },
  { kind: 'ips', label: 'IP addresses' },
  { kind: 'users', label: 'User names' },
  { kind: 'paths', label: 'File paths' },
];

const KIND_LABEL: Record<RedactKind, [one: string, many: string]> = {
  secret: ['secret', 'secrets'],
  hosts: ['host name', 'host names'],
  ips: ['IP address', 'IP addresses'],
  users: ['user name', 'user names'],
  paths: ['file path', 'file paths'],
};

/** "Host name", "Secret": a preview row's kind. */
export function kindLabel(kind: RedactKind): string {
  const one = KIND_LABEL[kind][0];
  return `${one.charAt(0).toUpperCase()}${one.slice(1)}`;
}

/**
 * A secret as the preview shows it: never whole. Its first two characters for a long one (so a
 * person can tell which it is), none for a short one, and its length.
 */
export function maskSecret(original: string): string {
  const length = [...original].length;
  const start = length >= 12 ? [...original].slice(0, 2).join('') : '';
  return `${start}••••••• (${length} characters)`;
}

export interface PreviewRow {
  kind: RedactKind;
  /** What the report says now (a secret masked). */
  shown: string;
  alias: string;
  count: number;
}

/** The plan as the preview's table: every replacement, a secret's original masked. */
export function previewRows(plan: RedactionPlan): PreviewRow[] {
  return plan.replacements.map((r) => ({ kind: r.kind, shown: r.kind === 'secret' ? maskSecret(r.original) : r.original, alias: r.alias, count: r.count }));
}

/** "1 secret and 2 host names were replaced." (distinct things, by kind), or that nothing was. */
export function replacedSentence(replaced: Readonly<Record<string, number>>): string {
  const parts = (Object.keys(KIND_LABEL) as RedactKind[]).flatMap((kind) => {
    const n = replaced[kind] ?? 0;
    return n > 0 ? [`${n} ${KIND_LABEL[kind][n === 1 ? 0 : 1]}`] : [];
  });
  if (parts.length === 0) return 'Nothing needed replacing.';
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  const total = Object.values(replaced).reduce((sum, n) => sum + n, 0);
  return `${list} ${total === 1 ? 'was' : 'were'} replaced.`;
}

/** The exported file as a Blob to save: text as it came, a PDF decoded from base64. */
export function exportBlob(exported: Extract<CallResponse<'exportReport'>, { ok: true }>): Blob {
  if (exported.encoding === 'utf8') return new Blob([exported.content], { type: exported.mimeType });
  const binary = atob(exported.content);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type: exported.mimeType });
}

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Looks for secrets in bytes: the secret as typed, and the forms a careless write would give it
 * (JSON or HTML escaping, URL encoding, UTF-16, base64 at any byte alignment, hex). Used by the
 * data-safety tests on the data folder and on exported reports.
 */

export interface SecretLeak {
  /** Where: a file path or the name of an exported report. */
  where: string;
  /** Which secret (its label, never its value, so a failing test does not print it). */
  secret: string;
  form: string;
}

const htmlEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

/**
 * The base64 text that encodes `bytes` wherever they sit in a longer buffer: for each of the three
 * byte alignments, the characters that depend on `bytes` alone (the first and last, which mix in
 * neighbouring bytes, are dropped).
 */
export function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = offset === 0 ? 0 : 4;
    const end = Math.floor((offset + bytes.length) / 3) * 4;
    cores.push(encoded.slice(start, end));
  }
  return cores;
}

/** Every byte pattern that betrays `secret`, by form. */
export function secretForms(secret: string): { form: string; bytes: Buffer }[] {
  const utf8 = Buffer.from(secret, 'utf8');
  const forms: { form: string; text: string | Buffer }[] = [
    { form: 'as typed', text: secret },
    { form: 'JSON-escaped', text: JSON.stringify(secret).slice(1, -1) },
    { form: 'HTML-escaped', text: htmlEscape(secret) },
    { form: 'URL-encoded', text: encodeURIComponent(secret) },
    { form: 'UTF-16', text: Buffer.from(secret, 'utf16le') },
    { form: 'hex', text: utf8.toString('hex') },
    { form: 'HEX', text: utf8.toString('hex').toUpperCase() },
    ...base64Cores(utf8).flatMap((core, offset) => [
      { form: `base64 (alignment ${offset})`, text: core },
      { form: `base64url (alignment ${offset})`, text: core.replaceAll('+', '-').replaceAll('/', '_') },
    ]),
  ];
  const seen = new Set<string>();
  return forms
    .map(({ form, text }) => ({ form, bytes: typeof text === 'string' ? Buffer.from(text, 'utf8') : text }))
    .filter(({ bytes }) => {
      const key = bytes.toString('hex');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Every leak of any of `secrets` (label -> value) in `data`. */
export function findSecrets(where: string, data: Buffer, secrets: Readonly<Record<string, string>>): SecretLeak[] {
  const leaks: SecretLeak[] = [];
  for (const [label, value] of Object.entries(secrets)) {
    for (const { form, bytes } of secretForms(value)) {
      // Case-insensitive hex and base64 would be wrong (base64 is case-sensitive); hex has both cases above.
      if (data.includes(bytes)) leaks.push({ where, secret: label, form });
    }
  }
  return leaks;
}

/** Every regular file under `dir` (recursively, hidden ones included), with its bytes. */
export async function filesWithBytes(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: { path: string; bytes: Buffer }[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ path, bytes: await readFile(path) });
  }
  return files;
}

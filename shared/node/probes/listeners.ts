import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parseProcNetTcpListeners } from '../../common/parsers/proc-net-tcp';
import type { Listener, ListenerTable } from '../../common/schema/listener';
import { digestOf, type OutputDigest } from '../output-digest';

export interface LocalListenerRead {
  table: ListenerTable;
  /** What was read, cut at a cap. */
  raw: string;
  /** The digest of everything read (null: nothing was). */
  digest: OutputDigest | null;
  command: string;
}

const RAW_CAP = 64 * 1024;

/**
 * The workstation's own listening TCP sockets. On Linux /proc/net/tcp{,6} is readable by anyone and
 * needs no subprocess; other systems need tools (lsof, Get-NetTCPConnection) not wired in yet, and
 * then the table says so instead of pretending nothing listens.
 */
export async function readLocalListeners(procRoot = '/proc'): Promise<LocalListenerRead> {
  const files = [`${procRoot}/net/tcp`, `${procRoot}/net/tcp6`];
  const command = `read ${files.join(' ')}`;
  if (process.platform !== 'linux') {
    return { command, raw: '', digest: null, table: { status: 'unavailable', source: 'listener table', reason: `reading listeners on ${process.platform} is not supported yet (Linux reads /proc/net/tcp)` } };
  }
  const endianness = os.endianness() === 'LE' ? 'little' : 'big';
  const listeners: Listener[] = [];
  const raws: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      // No tcp6 file means IPv6 is disabled in this kernel: an empty table, not a failure.
      if (file.endsWith('tcp6') && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return { command, ...capped(raws.join('\n')), table: { status: 'unavailable', source: file, reason: `${file}: ${(error as Error).message}` } };
    }
    raws.push(`# ${file}\n${text}`);
    const parsed = parseProcNetTcpListeners(text, endianness);
    if (!parsed.ok) return { command, ...capped(raws.join('\n')), table: { status: 'unavailable', source: file, reason: parsed.error.message } };
    listeners.push(...parsed.value.listeners);
  }
  return { command, ...capped(raws.join('\n')), table: { status: 'ok', source: '/proc/net/tcp', listeners } };
}

function capped(raw: string): { raw: string; digest: OutputDigest | null } {
  return { raw: raw.length > RAW_CAP ? `${raw.slice(0, RAW_CAP)}\n[... cut at ${RAW_CAP} bytes]` : raw, digest: raw === '' ? null : digestOf(raw) };
}

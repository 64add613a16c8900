import type { Listener } from '../schema/listener';
import { err, ok, type Result } from '../result';
import { formatIpv6Groups } from '../net/address';

/**
 * Decodes /proc/net/tcp and /proc/net/tcp6 (catalog §2.3, §4.2). Pure: the caller reads the file.
 * Addresses are printed in host byte order, so the reader's endianness is a parameter; x86 and most
 * ARM are little-endian. The file cannot show v6only, a bound device or the owning PID.
 */

export interface ProcTcpSocket {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: ProcTcpState;
  /** For LISTEN: the current accept-queue length. */
  rxQueue: number;
  uid: number;
  inode: number;
}

export type ProcTcpState =
  | 'ESTABLISHED' | 'SYN_SENT' | 'SYN_RECV' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'TIME_WAIT' | 'CLOSE'
  | 'CLOSE_WAIT' | 'LAST_ACK' | 'LISTEN' | 'CLOSING' | 'NEW_SYN_RECV' | 'UNKNOWN';

const states: readonly ProcTcpState[] = [
  'UNKNOWN', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE',
  'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV',
];

export interface ProcTcpParseError {
  code: 'not-proc-net-tcp' | 'bad-line';
  message: string;
  line: number;
}

export type Endianness = 'little' | 'big';

export function parseProcNetTcp(text: string, endianness: Endianness = 'little'): Result<ProcTcpSocket[], ProcTcpParseError> {
  const lines = text.split('\n');
  const header = lines[0]?.trim() ?? '';
  if (!/^sl\s+local_address\s+rem(ote)?_address\s+st\b/.test(header)) {
    return err({ code: 'not-proc-net-tcp', message: 'The text does not start with the /proc/net/tcp header (sl local_address rem_address st ...).', line: 1 });
  }
  const sockets: ProcTcpSocket[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? '';
    if (line === '') continue;
    // Only the first ten fields are stable: kernels append more (catalog §4.2).
    const fields = line.split(/\s+/);
    if (fields.length < 10) return err({ code: 'bad-line', message: `Line ${i + 1} has ${fields.length} fields; at least 10 are expected.`, line: i + 1 });
    const [, local, remote, st, queues, , , uid, , inode] = fields as [string, string, string, string, string, string, string, string, string, string];
    const localEnd = decodeEndpoint(local, endianness);
    const remoteEnd = decodeEndpoint(remote, endianness);
    const stateCode = /^[0-9A-Fa-f]{2}$/.test(st) ? parseInt(st, 16) : NaN;
    const rx = queues.split(':')[1];
    if (!localEnd || !remoteEnd || Number.isNaN(stateCode) || rx === undefined || !/^[0-9]+$/.test(uid) || !/^[0-9]+$/.test(inode)) {
      return err({ code: 'bad-line', message: `Line ${i + 1} is not a /proc/net/tcp socket line: "${line.slice(0, 120)}"`, line: i + 1 });
    }
    sockets.push({
      localAddress: localEnd.address,
      localPort: localEnd.port,
      remoteAddress: remoteEnd.address,
      remotePort: remoteEnd.port,
      state: states[stateCode] ?? 'UNKNOWN',
      rxQueue: /^[0-9A-Fa-f]+$/.test(rx) ? parseInt(rx, 16) : 0,
      uid: Number(uid),
      inode: Number(inode),
    });
  }
  return ok(sockets);
}

/** The LISTEN sockets of a parsed table, as listeners. */
export function procListeners(sockets: readonly ProcTcpSocket[]): Listener[] {
  return sockets
    .filter((s) => s.state === 'LISTEN')
    .map((s) => ({
      address: s.localAddress,
      port: s.localPort,
      family: s.localAddress.includes(':') ? 6 : 4,
      v6only: null,
      device: null,
      uid: s.uid,
      inode: s.inode,
      processes: [],
    }));
}

function decodeEndpoint(text: string, endianness: Endianness): { address: string; port: number } | null {
  const [hex, portHex] = text.split(':');
  if (!hex || !portHex || !/^[0-9A-Fa-f]{4}$/.test(portHex)) return null;
  const port = parseInt(portHex, 16);
  if (/^[0-9A-Fa-f]{8}$/.test(hex)) {
    const bytes = wordBytes(hex, endianness);
    return { address: bytes.join('.'), port };
  }
  if (/^[0-9A-Fa-f]{32}$/.test(hex)) {
    const bytes: number[] = [];
    for (let w = 0; w < 4; w++) bytes.push(...wordBytes(hex.slice(w * 8, w * 8 + 8), endianness));
    return { address: formatIpv6(bytes), port };
  }
  return null;
}

function wordBytes(word: string, endianness: Endianness): number[] {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(word.slice(i, i + 2), 16));
  return endianness === 'little' ? bytes.reverse() : bytes;
}

function formatIpv6(bytes: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return formatIpv6Groups(groups);
}

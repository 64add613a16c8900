import type { ConnectStatus } from '../../common/schema/probe';

/**
 * errno (Node's `err.code`) of a failed connect -> what the client really got (catalog §0.1).
 * EACCES/EPERM belong with "unreachable": on Linux they are an ICMPv6 "administratively prohibited"
 * from a firewall (or a local rule), the same family of answers as EHOSTUNREACH.
 */
const byErrno: Readonly<Record<string, ConnectStatus>> = {
  ECONNREFUSED: 'refused',
  WSAECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  WSAETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EACCES: 'unreachable',
  EPERM: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
};

export function classifyErrno(code: string | undefined): ConnectStatus | null {
  if (code === undefined) return null;
  return byErrno[code] ?? null;
}

/** The sentence libc prints for an errno, for people who recognise the text rather than the code. */
export const errnoText: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EHOSTDOWN: 'Host is down',
  ENETDOWN: 'Network is down',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ECONNRESET: 'Connection reset by peer',
  ECONNABORTED: 'Connection aborted',
  EPIPE: 'Broken pipe',
  EOF: 'Connection closed by peer right after it was accepted',
};

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AddressFamily, ProbeAttempt } from '../../common/schema/probe';
import { classifyErrno, errnoText } from './classify';

export interface TcpProbeOptions {
  timeoutMs: number;
  closeGraceMs: number;
  /**
   * Takes an accepted connection instead of closing it: at once (no grace wait, nothing read),
   * paused, so whatever the server sends first waits in it for the next owner.
   */
  keep?: (socket: net.Socket) => void;
}

const BANNER_LIMIT = 256;

/**
 * One TCP connect to one address, on its own socket: no Happy Eyeballs, no DNS (the address is a
 * literal), a hard deadline. A connection that is accepted is watched for `closeGraceMs`, because
 * "accepted, then closed at once" is its own family of causes (catalog T30).
 * Never rejects: every ending, an abort included, is a typed attempt.
 */
export function probeAddress(
  address: string,
  family: AddressFamily,
  port: number,
  round: number,
  options: TcpProbeOptions,
  signal?: AbortSignal,
): Promise<ProbeAttempt> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    let connectedAt: number | null = null;
    let banner = '';
    let settled = false;
    const socket = new net.Socket();

    const finish = (status: ProbeAttempt['status'], errno: string | null, detail: string, afterConnect: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (status === 'connected' && options.keep) {
        // Only this probe's listeners go: removeAllListeners() would also take the stream's own and,
        // a tick later, undo the pause, so the server's first bytes would be emitted to no one.
        socket.off('connect', onConnect).off('end', onEnd).off('error', onError);
        socket.pause();
        options.keep(socket);
      } else {
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.destroy();
      }
      const ms = (connectedAt ?? performance.now()) - t0;
      resolve({
        address,
        family,
        port,
        round,
        startedAt,
        ms: Math.round(ms * 1000) / 1000,
        status,
        errno,
        detail,
        afterConnect,
        banner: banner === '' ? null : banner,
      });
    };

    const timer = setTimeout(() => {
      if (connectedAt === null) finish('timeout', 'ETIMEDOUT', `No answer within ${options.timeoutMs} ms`, false);
    }, options.timeoutMs);
    const onAbort = () => finish('timeout', 'ABORTED', 'Cancelled before an answer arrived', false);
    // The timer exists before `finish` can run, so an already-aborted signal settles cleanly.
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    const onConnect = () => {
      connectedAt = performance.now();
      clearTimeout(timer);
      if (options.keep) finish('connected', null, 'Connected', false);
      else setTimeout(() => finish('connected', null, 'Connected', false), options.closeGraceMs);
    };
    const onEnd = () => finish('reset', 'EOF', errnoText.EOF ?? 'Closed', true);
    const onError = (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'UNKNOWN';
      // A SYN answered by RST gives ECONNREFUSED; ECONNRESET means the handshake had completed, even
      // when the reset overtakes Node's 'connect' event (as it does on loopback).
      const afterConnect = connectedAt !== null || code === 'ECONNRESET';
      const status = afterConnect ? 'reset' : (classifyErrno(code) ?? 'unreachable');
      finish(status, code, errnoText[code] ?? error.message, afterConnect);
    };
    socket.on('connect', onConnect).on('end', onEnd).on('error', onError);
    // A kept connection is handed over before anything arrives: what the server sends is its next owner's.
    if (!options.keep) {
      socket.on('data', (chunk: Buffer) => {
        if (banner.length < BANNER_LIMIT) banner = (banner + chunk.toString('latin1')).slice(0, BANNER_LIMIT).replace(/[^\x20-\x7e\t\r\n]/g, '.');
      });
    }

    socket.connect({ host: address, port, family, autoSelectFamily: false });
  });
}

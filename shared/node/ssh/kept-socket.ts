import type net from 'node:net';

/**
 * A connection to the SSH port opened for the baseline round trip, kept for the login instead of
 * closed: the server then starts one process for both, while this side loads its SSH code. The
 * login takes it at most once; whoever kept it disposes of it when the login is over (a no-op once
 * taken). Until taken, a server that drops it is only noted: the login then connects afresh.
 */
export class KeptSocket {
  private socket: net.Socket | null;
  private gone = false;
  private readonly onGone = (): void => {
    this.gone = true;
  };

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('error', this.onGone);
    socket.on('close', this.onGone);
  }

  /** The still-open socket, now the caller's (who must listen for its errors at once); else null. */
  take(): net.Socket | null {
    const socket = this.socket;
    this.socket = null;
    if (socket === null) return null;
    socket.off('error', this.onGone);
    socket.off('close', this.onGone);
    if (!this.gone && !socket.destroyed) {
      // ssh2 turns Nagle's algorithm off on sockets it opens, not on one it is given. Left on, the
      // handshake's service request waits behind the client's NEWKEYS for the server's delayed ACK:
      // 40 ms on Linux, in every login.
      socket.setNoDelay(true);
      return socket;
    }
    discard(socket);
    return null;
  }

  dispose(): void {
    const socket = this.take();
    if (socket !== null) discard(socket);
  }
}

/** Closes a socket no one listens to any more, so that a late error is not an uncaught one. */
function discard(socket: net.Socket): void {
  socket.on('error', () => undefined);
  socket.destroy();
}

import net from 'node:net';

/** Loopback helpers for tests: real sockets, no traffic beyond 127.0.0.1 and ::1. */

export interface TestServer {
  port: number;
  server: net.Server;
  /** Sockets the server accepted, in order. */
  accepted: net.Socket[];
  close(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port?: number;
  ipv6Only?: boolean;
  onConnection?: (socket: net.Socket) => void;
}

export function listen(options: ListenOptions): Promise<TestServer> {
  return new Promise((resolve, reject) => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      accepted.push(socket);
      options.onConnection?.(socket);
    });
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port ?? 0, ipv6Only: options.ipv6Only ?? false }, () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        server,
        accepted,
        close: () =>
          new Promise<void>((done) => {
            for (const s of accepted) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A port on which nothing listens (bound once, then closed). Loopback-only. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const s = await listen({ host });
  await s.close();
  return s.port;
}

/** Polls `condition` until it holds or the deadline passes; no fixed sleeps in tests. */
export async function waitFor(condition: () => boolean, deadlineMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

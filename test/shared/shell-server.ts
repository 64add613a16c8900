import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { Client, Server, type Connection } from 'ssh2';
import { ed25519KeyPair } from './ed25519-key';

/**
 * An ssh2 server on loopback that runs each exec request in a real local `sh -c`, its stdin, stdout
 * and stderr on the channel: what sshd does, without a login. `noise` is printed on both streams
 * before the command, as a chatty ~/.bashrc does.
 */
export interface ShellServer {
  port: number;
  /** Every exec request's command, in order. */
  execs: string[];
  /** The processes started for them (to kill one mid-command). */
  children: ChildProcess[];
  /** Sessions refused for MaxSessions. */
  readonly refusedSessions: number;
  connect(): Promise<Client>;
  close(): Promise<void>;
}

export interface ShellServerOptions {
  noise?: string;
  /** A slow ~/.bashrc: each exec waits this long before its command starts. */
  startDelayMs?: number;
  /** sshd's MaxSessions: more exec channels at once on one connection are refused. */
  maxSessions?: number;
}

export async function shellServer(options: ShellServerOptions = {}): Promise<ShellServer> {
  const execs: string[] = [];
  const children: ChildProcess[] = [];
  const clients = new Set<Connection>();
  const openSessions = new Map<Connection, number>();
  let refusedSessions = 0;
  const server = new Server({ hostKeys: [ed25519KeyPair().private] }, (client) => {
    clients.add(client);
    openSessions.set(client, 0);
    client.on('error', () => undefined);
    client.on('close', () => clients.delete(client));
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () =>
      client.on('session', (accept, reject) => {
        // As sshd's MaxSessions does: the channel itself is refused.
        if (options.maxSessions !== undefined && openSessions.get(client)! >= options.maxSessions) {
          refusedSessions++;
          return reject();
        }
        openSessions.set(client, openSessions.get(client)! + 1);
        const session = accept();
        session.on('close', () => openSessions.set(client, openSessions.get(client)! - 1));
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          execs.push(info.command);
          const noise = options.noise ? `printf '%s\\n' '${options.noise}'; printf '%s\\n' '${options.noise}' >&2; ` : '';
          const delay = options.startDelayMs ? `sleep ${options.startDelayMs / 1000}; ` : '';
          const child = spawn('sh', ['-c', `${delay}${noise}${info.command}`], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
          children.push(child);
          stream.pipe(child.stdin).on('error', () => undefined);
          child.stdout.pipe(stream, { end: false });
          child.stderr.pipe(stream.stderr, { end: false });
          child.on('close', (code) => {
            stream.exit(code ?? 255);
            stream.end();
          });
          stream.on('close', () => {
            try {
              if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
            } catch {
              // already gone
            }
          });
        });
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const made: Client[] = [];
  return {
    port,
    execs,
    children,
    get refusedSessions() {
      return refusedSessions;
    },
    connect: () =>
      new Promise((resolve, reject) => {
        const client = new Client();
        made.push(client);
        client.on('ready', () => resolve(client)).on('error', reject);
        client.connect({ host: '127.0.0.1', port, username: 'tester', password: 'unused', hostVerifier: () => true });
      }),
    close: () =>
      new Promise<void>((done) => {
        for (const c of made) c.end();
        for (const c of clients) c.end();
        server.close(() => done());
      }),
  };
}

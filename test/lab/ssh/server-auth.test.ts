// Password and keyboard-interactive auth against ssh2's own Server, in process: sshd cannot offer them
// without PAM for real users, and the client-side logic (prompts, attempts, methodsLeft, partial
// success, cancel) is what is under test here. The server records every userauth request it gets.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Server, type AuthContext, type Connection } from 'ssh2';
import { connectChain } from '../../../shared/node/ssh/connect';
import { LOOPBACK, useSshLab } from '../harness/sshd';
import { baseOptions, expectSshError, knownHostsFiles, scriptedPrompt } from './helpers';
import type { HopSpec } from '../../../shared/node/ssh/connect';
import { ed25519KeyPair } from '../../shared/ed25519-key';

interface TestServer {
  port: number;
  knownHostsLine: string;
  /** "method" per userauth request, in order (the secret is never recorded). */
  requests: string[];
  close(): Promise<void>;
}

async function startServer(decide: (ctx: AuthContext) => void): Promise<TestServer> {
  const hostKey = ed25519KeyPair();
  const requests: string[] = [];
  const connections: Connection[] = [];
  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    connections.push(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      requests.push(ctx.method);
      decide(ctx);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const blob = hostKey.public.split(' ')[1] as string;
  return {
    port,
    knownHostsLine: `[${LOOPBACK}]:${port} ssh-ed25519 ${blob}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const c of connections) c.end();
        server.close(() => resolve());
      }),
  };
}

const lab = useSshLab(async ({ dir }) => ({ dir }));

let servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

async function setup(name: string, decide: (ctx: AuthContext) => void, trustKey = true) {
  const { dir } = lab();
  const server = await startServer(decide);
  servers.push(server);
  const files = await knownHostsFiles(dir, name, trustKey ? [server.knownHostsLine] : []);
  const hop = (auth: Partial<HopSpec>): HopSpec => ({ host: LOOPBACK, port: server.port, user: 'alice', identityFiles: [], agent: false, password: false, keyboardInteractive: false, ...auth });
  return { server, files, hop, dir: join(dir) };
}

const PASSWORD = 'open sesame';

/** Accepts `password` PASSWORD; offers only `methods`. */
const passwordServer =
  (methods: string[] = ['password']) =>
  (ctx: AuthContext): void => {
    if (ctx.method === 'password' && ctx.password === PASSWORD) return ctx.accept();
    ctx.reject(methods as AuthContext['method'][]);
  };

describe('password and keyboard-interactive (ssh2 Server, in process)', () => {
  it('password: wrong on attempt 1, right on attempt 2; the server learns nothing before "none"', async () => {
    const { server, files, hop } = await setup('pw', passwordServer());
    const answers = ['guess', PASSWORD];
    const prompt = scriptedPrompt({ password: async () => answers.shift() ?? null });
    const chain = await connectChain(baseOptions(files, prompt, { hops: [hop({ password: true })] }));
    await chain.close();
    expect(prompt.calls.map((c) => (c.req as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(server.requests).toEqual(['none', 'password', 'password']);
  });

  it('password: three wrong answers -> auth-failed listing the attempts', async () => {
    const { files, hop } = await setup('pw-wrong', passwordServer());
    const prompt = scriptedPrompt({ password: async () => 'nope' });
    const error = await expectSshError(connectChain(baseOptions(files, prompt, { hops: [hop({ password: true })] })), 'auth-failed');
    expect(prompt.calls).toHaveLength(3);
    expect(error.methodsTried).toEqual(['password', 'password', 'password']);
    expect(error.message).not.toContain('nope');
  });

  it('password: a cancelled prompt is cancelled, and no password is sent', async () => {
    const { server, files, hop } = await setup('pw-cancel', passwordServer());
    const error = await expectSshError(connectChain(baseOptions(files, scriptedPrompt({ password: async () => null }), { hops: [hop({ password: true })] })), 'cancelled');
    expect(error.hop.port).toBe(server.port);
    expect(server.requests).toEqual(['none']);
  });

  it('keyboard-interactive: every prompt goes through the port with its echo flag; answers go back in order', async () => {
    const { files, hop } = await setup('kbd', (ctx) => {
      if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
      ctx.prompt(
        [
          { prompt: 'Favourite colour: ', echo: true },
          { prompt: 'One-time code: ', echo: false },
        ],
        'Portwise test',
        'Answer both',
        (answers) => (answers[0] === 'blue' && answers[1] === '123456' ? ctx.accept() : ctx.reject()),
      );
    });
    const prompt = scriptedPrompt({ keyboardInteractive: async () => ['blue', '123456'] });
    const chain = await connectChain(baseOptions(files, prompt, { hops: [hop({ keyboardInteractive: true })] }));
    await chain.close();
    expect(prompt.calls).toEqual([
      {
        method: 'keyboardInteractive',
        req: {
          hop: { index: 1, total: 1, user: 'alice', host: LOOPBACK, port: expect.any(Number), role: 'target' },
          name: 'Portwise test',
          instructions: 'Answer both',
          prompts: [
            { prompt: 'Favourite colour: ', echo: true },
            { prompt: 'One-time code: ', echo: false },
          ],
        },
      },
    ]);
  });

  it('keyboard-interactive: a cancelled prompt is cancelled', async () => {
    const { files, hop } = await setup('kbd-cancel', (ctx) => {
      if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
      ctx.prompt([{ prompt: 'Code: ', echo: false }], () => ctx.reject());
    });
    await expectSshError(connectChain(baseOptions(files, scriptedPrompt({ keyboardInteractive: async () => null }), { hops: [hop({ keyboardInteractive: true })] })), 'cancelled');
  });

  it('partial success: password, then keyboard-interactive as the second factor', async () => {
    const { server, files, hop } = await setup('two-factor', (ctx) => {
      if (ctx.method === 'password' && ctx.password === PASSWORD) return ctx.reject(['keyboard-interactive'], true);
      if (ctx.method === 'keyboard-interactive') return ctx.prompt([{ prompt: 'Code: ', echo: false }], (a) => (a[0] === '42' ? ctx.accept() : ctx.reject()));
      ctx.reject(['password']);
    });
    const prompt = scriptedPrompt({ password: async () => PASSWORD, keyboardInteractive: async () => ['42'] });
    const chain = await connectChain(baseOptions(files, prompt, { hops: [hop({ password: true, keyboardInteractive: true })] }));
    await chain.close();
    expect(server.requests).toEqual(['none', 'password', 'keyboard-interactive']);
    expect(prompt.calls.map((c) => c.method)).toEqual(['password', 'keyboardInteractive']);
  });

  it("honours methodsLeft: keyboard-interactive only -> the password prompt is never shown", async () => {
    const { server, files, hop } = await setup('kbd-only', (ctx) => {
      if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
      ctx.prompt([{ prompt: 'Code: ', echo: false }], (a) => (a[0] === '7' ? ctx.accept() : ctx.reject()));
    });
    const prompt = scriptedPrompt({ password: async () => PASSWORD, keyboardInteractive: async () => ['7'] });
    const chain = await connectChain(baseOptions(files, prompt, { hops: [hop({ password: true, keyboardInteractive: true })] }));
    await chain.close();
    expect(prompt.calls.map((c) => c.method)).toEqual(['keyboardInteractive']);
    expect(server.requests).toEqual(['none', 'keyboard-interactive']);
  });

  it('an unknown host key under refuse: the server receives no userauth request at all', async () => {
    const { server, files, hop } = await setup('no-auth', passwordServer(), false);
    const prompt = scriptedPrompt({ password: async () => PASSWORD });
    await expectSshError(connectChain(baseOptions(files, prompt, { hops: [hop({ password: true })] })), 'host-key-unknown');
    expect(server.requests).toEqual([]);
    expect(prompt.calls).toEqual([]);
  });
});

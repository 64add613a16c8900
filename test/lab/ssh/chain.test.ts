// Jump chains through two real sshd instances, and the ways connecting can end early: refused port,
// timeout, cancel. Every failure must name the hop it happened on.
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectChain, exec } from '../../../shared/node/ssh/connect';
import { waitFor } from '../harness/netns';
import { generateClientKeys, generateKey, LOOPBACK, startSshd, useSshLab } from '../harness/sshd';
import { baseOptions, expectSshError, hopTo, knownHostsFiles, readOrEmpty, scriptedPrompt } from './helpers';

/** A TCP server that accepts and never says a word: an SSH handshake against it can only time out. */
async function silentServer(): Promise<{ port: number; sockets: Socket[]; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  // resume(): read and drop what the client sends, so its FIN/RST is seen and 'close' fires.
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined).resume();
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    sockets,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const { port, close } = await silentServer();
  await close();
  return port;
}

const lab = useSshLab(async ({ dir, track }) => {
  const keys = await generateClientKeys(join(dir, 'client'));
  // Each hop has its own key: the jump accepts only `plain`, the target only `second`.
  const jump = track(await startSshd({ authorizedKeys: [keys.plain.publicLine] }));
  const target = track(await startSshd({ authorizedKeys: [keys.second.publicLine] }));
  const stranger = await generateKey(dir, 'stranger_host_key');
  const files = await knownHostsFiles(dir, 'chain', [jump.knownHostsLine(), target.knownHostsLine()]);
  return { dir, keys, jump, target, stranger, files };
});

describe('jump chains (two real sshd)', () => {
  it('connects to the target through the jump host, each hop with its own key', async () => {
    const { keys, jump, target, files } = lab();
    const offset = jump.log().length;
    const chain = await connectChain(
      baseOptions(files, scriptedPrompt(), { hops: [hopTo(jump, { identityFiles: [keys.plain.path] }), hopTo(target, { identityFiles: [keys.second.path] })] }),
    );
    try {
      expect(chain.hops.map((h) => [h.label.index, h.label.role, h.label.port, h.hostKey.status])).toEqual([
        [1, 'jump', jump.port, 'match'],
        [2, 'target', target.port, 'match'],
      ]);
      const result = await exec(chain.client, 'echo "$SSH_CONNECTION"', { timeoutMs: 5000, maxBytes: 4096 });
      expect(result.stdout.trim()).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${target.port}$`));
      // The target's TCP connection was opened by the jump sshd (direct-tcpip), not by us.
      expect(await jump.waitForLog(offset, /server_request_direct_tcpip/)).toMatch(new RegExp(`server_request_direct_tcpip: originator 127\\.0\\.0\\.1 port 0, target 127\\.0\\.0\\.1 port ${target.port}`));
    } finally {
      await chain.close();
    }
  });

  it("never borrows the jump host's key: the target without its own key fails on hop 2", async () => {
    const { keys, jump, target, files } = lab();
    const error = await expectSshError(
      connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(jump, { identityFiles: [keys.plain.path] }), hopTo(target, { identityFiles: [keys.plain.path] })] })),
      'auth-failed',
    );
    expect(error.hop).toMatchObject({ index: 2, role: 'target', port: target.port });
    expect(error.chain?.map((h) => h.status)).toEqual(['ok', 'failed']);
  });

  it('a changed key on hop 2 names hop 2 as the target, hop 1 stays ok, and hop 1 is closed', async () => {
    const { dir, keys, jump, target, stranger } = lab();
    const files = await knownHostsFiles(dir, 'chain-changed', [jump.knownHostsLine(), `[${target.host}]:${target.port} ssh-ed25519 ${stranger.blob.toString('base64')}`]);
    const prompt = scriptedPrompt({ confirmHostKey: async () => true });
    const offset = jump.log().length;
    const error = await expectSshError(
      connectChain(
        baseOptions(files, prompt, { hostKeyPolicy: 'ask', hops: [hopTo(jump, { identityFiles: [keys.plain.path] }), hopTo(target, { identityFiles: [keys.second.path] })] }),
      ),
      'host-key-changed',
    );
    expect(error.message.startsWith(`target host 2 of 2, ${target.user}@127.0.0.1:${target.port}: the host key has CHANGED.`)).toBe(true);
    expect(error.chain?.map((h) => [h.label.index, h.status])).toEqual([
      [1, 'ok'],
      [2, 'failed'],
    ]);
    expect(prompt.calls).toEqual([]);
    await jump.waitForLog(offset, new RegExp(`Disconnected from user ${jump.user} 127\\.0\\.0\\.1`));
  });

  it('an unknown key on hop 1 names the jump host and never reaches hop 2', async () => {
    const { dir, keys, jump, target } = lab();
    const files = await knownHostsFiles(dir, 'chain-jump-unknown', [target.knownHostsLine()]);
    const error = await expectSshError(
      connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(jump, { identityFiles: [keys.plain.path] }), hopTo(target, { identityFiles: [keys.second.path] })] })),
      'host-key-unknown',
    );
    expect(error.message.startsWith(`jump host 1 of 2, ${jump.user}@127.0.0.1:${jump.port}: `)).toBe(true);
    expect(error.chain?.map((h) => h.status)).toEqual(['failed', 'not-reached']);
  });

  it('a closed port behind the jump host is connect-failed on hop 2, explained by the jump', async () => {
    const { keys, jump, files } = lab();
    const port = await closedPort();
    const error = await expectSshError(
      connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(jump, { identityFiles: [keys.plain.path] }), hopTo({ host: LOOPBACK, port, user: jump.user })] })),
      'connect-failed',
    );
    expect(error.hop).toMatchObject({ index: 2, port });
    expect(error.message).toContain(`jump host 1 of 2, ${jump.user}@127.0.0.1:${jump.port} could not open a connection to 127.0.0.1:${port}`);
  });
});

describe('connecting ends early', () => {
  it('a closed port is connect-failed naming the hop and the errno', async () => {
    const { files } = lab();
    const port = await closedPort();
    const error = await expectSshError(connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo({ host: LOOPBACK, port, user: 'alice' })] })), 'connect-failed');
    expect(error.message).toBe(`target host alice@127.0.0.1:${port}: cannot open a TCP connection to 127.0.0.1:${port}: Connection refused (ECONNREFUSED).`);
  });

  it('a server that never answers is a timeout after readyTimeoutMs', async () => {
    const { files } = lab();
    const silent = await silentServer();
    try {
      const started = Date.now();
      const error = await expectSshError(connectChain(baseOptions(files, scriptedPrompt(), { readyTimeoutMs: 300, hops: [hopTo({ host: LOOPBACK, port: silent.port, user: 'alice' })] })), 'timeout');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(error.message).toContain('no SSH session within 300 ms');
      await waitFor('the timed-out socket to be closed', async () => (silent.sockets[0]?.closed ? true : undefined));
    } finally {
      await silent.close();
    }
  });

  it('the abort signal mid-connect rejects with cancelled and closes the socket', async () => {
    const { files } = lab();
    const silent = await silentServer();
    try {
      const controller = new AbortController();
      const pending = connectChain(baseOptions(files, scriptedPrompt(), { signal: controller.signal, hops: [hopTo({ host: LOOPBACK, port: silent.port, user: 'alice' })] }));
      await waitFor('the connection to arrive', async () => (silent.sockets.length > 0 ? true : undefined));
      controller.abort();
      const error = await expectSshError(pending, 'cancelled');
      expect(error.hop.port).toBe(silent.port);
      await waitFor('the cancelled socket to be closed', async () => (silent.sockets[0]?.closed ? true : undefined));
    } finally {
      await silent.close();
    }
  });

  it('the abort signal while hop 2 asks about its key: cancelled on hop 2, nothing pinned, hop 1 closed', async () => {
    const { dir, keys, jump, target } = lab();
    const files = await knownHostsFiles(dir, 'abort-hop2', [jump.knownHostsLine()]);
    const controller = new AbortController();
    const prompt = scriptedPrompt({
      confirmHostKey: () => {
        controller.abort();
        return new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 200));
      },
    });
    const offset = jump.log().length;
    const error = await expectSshError(
      connectChain(
        baseOptions(files, prompt, {
          signal: controller.signal,
          hostKeyPolicy: 'ask',
          hops: [hopTo(jump, { identityFiles: [keys.plain.path] }), hopTo(target, { identityFiles: [keys.second.path] })],
        }),
      ),
      'cancelled',
    );
    expect(error.hop.index).toBe(2);
    expect(error.chain?.map((h) => h.status)).toEqual(['ok', 'failed']);
    await jump.waitForLog(offset, new RegExp(`Disconnected from user ${jump.user} 127\\.0\\.0\\.1`));
    await new Promise((r) => setTimeout(r, 300)); // let the late "yes" arrive: it must not pin anything
    expect(await readOrEmpty(files.own)).toBe('');
  });

  it('time spent answering a prompt does not count against readyTimeoutMs', async () => {
    const { dir, keys, jump } = lab();
    const files = await knownHostsFiles(dir, 'slow-answer', []);
    const prompt = scriptedPrompt({ confirmHostKey: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 2500)) });
    const chain = await connectChain(baseOptions(files, prompt, { readyTimeoutMs: 2000, hostKeyPolicy: 'ask', hops: [hopTo(jump, { identityFiles: [keys.plain.path] })] }));
    expect(chain.hops[0]?.hostKey.status).toBe('accepted-new');
    await chain.close();
  });
});

// Public-key authentication against a real OpenSSH sshd: identity files, passphrases, the agent,
// multi-factor (partial success), and what the server's methodsLeft allows.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectChain } from '../../../shared/node/ssh/connect';
import { generateClientKeys, generateKey, PASSPHRASE, startAgent, startSshd, useSshLab } from '../harness/sshd';
import { baseOptions, expectSshError, hopTo, knownHostsFiles, scriptedPrompt } from './helpers';

const lab = useSshLab(async ({ dir, track }) => {
  const keys = await generateClientKeys(join(dir, 'client'));
  const unauthorized = await generateKey(dir, 'not_authorized');
  const sshd = track(await startSshd({ authorizedKeys: [keys.plain.publicLine, keys.encrypted.publicLine] }));
  const twoKeys = track(await startSshd({ authorizedKeys: [keys.plain.publicLine, keys.second.publicLine], extraConfig: ['AuthenticationMethods publickey,publickey'] }));
  const files = await knownHostsFiles(dir, 'auth', [sshd.knownHostsLine(), twoKeys.knownHostsLine()]);
  return { dir, keys, unauthorized, sshd, twoKeys, files };
});

describe('public-key authentication against a real sshd', () => {
  it('decrypts an encrypted key with the passphrase given on the 2nd attempt', async () => {
    const { keys, sshd, files } = lab();
    const answers = ['not it', PASSPHRASE];
    const prompt = scriptedPrompt({ passphrase: async () => answers.shift() ?? null });
    const chain = await connectChain(baseOptions(files, prompt, { hops: [hopTo(sshd, { identityFiles: [keys.encrypted.path] })] }));
    await chain.close();
    expect(prompt.calls.map((c) => c.req)).toEqual([1, 2].map((attempt) => expect.objectContaining({ keyPath: keys.encrypted.path, attempt })));
  });

  it('a wrong passphrase 3 times fails authentication with a message that names the key', async () => {
    const { keys, sshd, files } = lab();
    const prompt = scriptedPrompt({ passphrase: async () => 'wrong' });
    const error = await expectSshError(connectChain(baseOptions(files, prompt, { hops: [hopTo(sshd, { identityFiles: [keys.encrypted.path] })] })), 'auth-failed');
    expect(prompt.calls).toHaveLength(3);
    expect(error.message).toContain(`wrong passphrase for ${keys.encrypted.path} (3 attempts)`);
    expect(error.message).toContain(`target host ${sshd.user}@127.0.0.1:${sshd.port}: authentication failed.`);
  });

  it('a cancelled passphrase prompt ends the attempt as cancelled', async () => {
    const { keys, sshd, files } = lab();
    const prompt = scriptedPrompt({ passphrase: async () => null });
    await expectSshError(connectChain(baseOptions(files, prompt, { hops: [hopTo(sshd, { identityFiles: [keys.encrypted.path] })] })), 'cancelled');
    expect(prompt.calls).toHaveLength(1);
  });

  it('a missing identity file, or a public key given as identity, is key-unreadable with the path', async () => {
    const { dir, keys, sshd, files } = lab();
    const missing = join(dir, 'no_such_key');
    const e1 = await expectSshError(connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(sshd, { identityFiles: [missing] })] })), 'key-unreadable');
    expect(e1.keyPath).toBe(missing);
    expect(e1.message).toContain(`${missing} (ENOENT)`);
    const pub = `${keys.plain.path}.pub`;
    const e2 = await expectSshError(connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(sshd, { identityFiles: [pub] })] })), 'key-unreadable');
    expect(e2.keyPath).toBe(pub);
  });

  it('tries identity files in order and lists what it tried when all are refused', async () => {
    const { keys, unauthorized, sshd, files } = lab();
    const ok = await connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(sshd, { identityFiles: [unauthorized.path, keys.plain.path] })] }));
    await ok.close();
    const error = await expectSshError(connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(sshd, { identityFiles: [unauthorized.path] })] })), 'auth-failed');
    expect(error.methodsTried).toEqual([`publickey ${unauthorized.path}`]);
    expect(error.serverMethods).toEqual(['publickey']);
    expect(error.message).toContain(`Tried: publickey ${unauthorized.path}. The server accepts: publickey.`);
  });

  it("honours methodsLeft: a password is never asked for when the server only takes keys", async () => {
    const { unauthorized, sshd, files } = lab();
    const prompt = scriptedPrompt({ password: async () => 'never sent' });
    const error = await expectSshError(
      connectChain(baseOptions(files, prompt, { hops: [hopTo(sshd, { identityFiles: [unauthorized.path], password: true, keyboardInteractive: true })] })),
      'auth-failed',
    );
    expect(prompt.calls).toEqual([]);
    expect(error.serverMethods).toEqual(['publickey']);
  });

  it('uses the agent from the given env (and only from it)', async () => {
    const { dir, keys, sshd, files } = lab();
    const agent = await startAgent(dir, [keys.plain]);
    try {
      const chain = await connectChain(baseOptions(files, scriptedPrompt(), { env: { SSH_AUTH_SOCK: agent.socket }, hops: [hopTo(sshd, { agent: true })] }));
      await chain.close();
      const error = await expectSshError(connectChain(baseOptions(files, scriptedPrompt(), { env: {}, hops: [hopTo(sshd, { agent: true })] })), 'auth-failed');
      expect(error.message).toContain('SSH_AUTH_SOCK is not set');
    } finally {
      await agent.stop();
    }
  });

  it('multi-factor (AuthenticationMethods publickey,publickey): partial success continues with the second key', async () => {
    const { keys, twoKeys, files } = lab();
    const offset = twoKeys.log().length;
    const chain = await connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(twoKeys, { identityFiles: [keys.plain.path, keys.second.path] })] }));
    await chain.close();
    expect(await twoKeys.waitForLog(offset, /Accepted publickey for/)).toMatch(/Partial publickey for/);
    const error = await expectSshError(connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(twoKeys, { identityFiles: [keys.plain.path] })] })), 'auth-failed');
    expect(error.message).toContain(`Partly accepted (multi-factor): publickey ${keys.plain.path}.`);
  });
});

// Host-key verification against a real OpenSSH sshd: the four outcomes, the three unknown-key
// policies, and the known_hosts forms OpenSSH writes (hashed, wildcards, [host]:port).
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectChain, exec } from '../../../shared/node/ssh/connect';
import { generateClientKeys, generateKey, SSH_KEYGEN, startSshd, useSshLab, type KeyPair } from '../harness/sshd';
import { runOk } from '../harness/netns';
import { baseOptions, expectNoAuthAttempt, expectSshError, hopTo, knownHostsFiles, readOrEmpty, scriptedPrompt } from './helpers';

const lab = useSshLab(async ({ dir, track }) => {
  const keys = await generateClientKeys(join(dir, 'client'));
  const sshd = track(await startSshd({ authorizedKeys: [keys.plain.publicLine] }));
  const rsaOnly = track(await startSshd({ hostKeyTypes: ['rsa'], authorizedKeys: [keys.plain.publicLine] }));
  const stranger = await generateKey(dir, 'some_other_host_key');
  return { dir, keys, sshd, rsaOnly, stranger };
});

/** The fingerprint as `ssh-keygen -l` prints it: the reference our format must equal. */
async function sshKeygenFingerprint(key: KeyPair): Promise<string> {
  const out = await runOk(SSH_KEYGEN, ['-l', '-E', 'sha256', '-f', `${key.path}.pub`]);
  return out.split(' ')[1] as string;
}

const b64 = (key: KeyPair): string => `${key.type} ${key.blob.toString('base64')}`;

describe('host keys against a real sshd', () => {
  it('connects when the key is known, runs `id -u`, and reports the fingerprint as OpenSSH prints it', async () => {
    const { dir, keys, sshd } = lab();
    const files = await knownHostsFiles(dir, 'known', [sshd.knownHostsLine()]);
    const prompt = scriptedPrompt();
    const offset = sshd.log().length;
    const chain = await connectChain(baseOptions(files, prompt, { hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] }));
    try {
      // The control for expectNoAuthAttempt: an authenticated session does log its userauth requests.
      expect(await sshd.waitForLog(offset, /Accepted publickey for/)).toMatch(/userauth-request for user \S+ service ssh-connection method publickey/);
      const result = await exec(chain.client, 'id -u', { timeoutMs: 5000, maxBytes: 4096 });
      expect(result).toMatchObject({ code: 0, timedOut: false, truncated: false });
      expect(result.stdout.trim()).toBe(String(process.getuid?.()));
      expect(chain.hops).toHaveLength(1);
      expect(chain.hops[0]?.hostKey).toEqual({ keyType: 'ssh-ed25519', fingerprint: await sshKeygenFingerprint(sshd.hostKeys[0] as KeyPair), status: 'match' });
      expect(prompt.calls).toEqual([]);
    } finally {
      await chain.close();
    }
  });

  it("refuses an unknown key under 'refuse', names the fingerprint, and never starts authentication", async () => {
    const { dir, keys, sshd } = lab();
    const files = await knownHostsFiles(dir, 'unknown-refuse', []);
    const prompt = scriptedPrompt();
    const offset = sshd.log().length;
    const error = await expectSshError(connectChain(baseOptions(files, prompt, { hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] })), 'host-key-unknown');
    const fingerprint = await sshKeygenFingerprint(sshd.hostKeys[0] as KeyPair);
    // The key itself too: a connection test shows it, and the person may pin it after comparing.
    expect(error.presented).toEqual({ keyType: 'ssh-ed25519', fingerprint, key: (sshd.hostKeys[0] as KeyPair).blob.toString('base64') });
    expect(error.message).toContain(fingerprint);
    expect(error.message.startsWith(`target host ${sshd.user}@127.0.0.1:${sshd.port}: `)).toBe(true);
    expect(prompt.calls).toEqual([]);
    expect(await readOrEmpty(files.own)).toBe('');
    await expectNoAuthAttempt(sshd, offset);
  });

  it("asks about an unknown key under 'ask'; yes connects and pins the key in Portwise's own file only", async () => {
    const { dir, keys, sshd } = lab();
    const files = await knownHostsFiles(dir, 'unknown-ask', []);
    const userBefore = await readFile(files.user, 'utf8');
    const prompt = scriptedPrompt({ confirmHostKey: async () => true });
    const chain = await connectChain(baseOptions(files, prompt, { hostKeyPolicy: 'ask', hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] }));
    await chain.close();
    const fingerprint = await sshKeygenFingerprint(sshd.hostKeys[0] as KeyPair);
    expect(prompt.calls).toEqual([
      { method: 'confirmHostKey', req: { hop: { index: 1, total: 1, user: sshd.user, host: sshd.host, port: sshd.port, role: 'target' }, keyType: 'ssh-ed25519', fingerprint, status: 'unknown', writesTo: [files.own] } },
    ]);
    expect(chain.hops[0]?.hostKey.status).toBe('accepted-new');
    expect(await readFile(files.own, 'utf8')).toBe(`${sshd.knownHostsLine()}\n`);
    expect(await readFile(files.user, 'utf8')).toBe(userBefore);
    // The pinned key now matches without a question, even under 'refuse'.
    const again = await connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] }));
    expect(again.hops[0]?.hostKey.status).toBe('match');
    await again.close();
  });

  it("'ask' answered no -> host-key-rejected, nothing written", async () => {
    const { dir, keys, sshd } = lab();
    const files = await knownHostsFiles(dir, 'unknown-no', []);
    const prompt = scriptedPrompt({ confirmHostKey: async () => false });
    await expectSshError(connectChain(baseOptions(files, prompt, { hostKeyPolicy: 'ask', hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] })), 'host-key-rejected');
    expect(prompt.calls.map((c) => c.method)).toEqual(['confirmHostKey']);
    expect(await readOrEmpty(files.own)).toBe('');
  });

  it("'accept-new' trusts an unknown key without asking and pins it", async () => {
    const { dir, keys, sshd } = lab();
    const files = await knownHostsFiles(dir, 'accept-new', []);
    const prompt = scriptedPrompt();
    const chain = await connectChain(baseOptions(files, prompt, { hostKeyPolicy: 'accept-new', hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] }));
    await chain.close();
    expect(prompt.calls).toEqual([]);
    expect(await readFile(files.own, 'utf8')).toBe(`${sshd.knownHostsLine()}\n`);
  });

  it('refuses a CHANGED key always (even under accept-new), names both fingerprints, never asks, never authenticates', async () => {
    const { dir, keys, sshd, stranger } = lab();
    const files = await knownHostsFiles(dir, 'changed', ['# pinned long ago', `[${sshd.host}]:${sshd.port} ${b64(stranger)}`]);
    for (const policy of ['ask', 'accept-new'] as const) {
      const prompt = scriptedPrompt({ confirmHostKey: async () => true });
      const offset = sshd.log().length;
      const error = await expectSshError(
        connectChain(baseOptions(files, prompt, { hostKeyPolicy: policy, hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] })),
        'host-key-changed',
      );
      const presented = await sshKeygenFingerprint(sshd.hostKeys[0] as KeyPair);
      const known = await sshKeygenFingerprint(stranger);
      expect(error.message).toContain(presented);
      expect(error.message).toContain(known);
      expect(error.known).toEqual([{ keyType: 'ssh-ed25519', fingerprint: known, file: files.user, line: 2 }]);
      expect(prompt.calls).toEqual([]);
      await expectNoAuthAttempt(sshd, offset);
    }
    expect(await readOrEmpty(files.own)).toBe('');
  });

  it('@revoked wins over a matching entry', async () => {
    const { dir, keys, sshd } = lab();
    const files = await knownHostsFiles(dir, 'revoked', [sshd.knownHostsLine(), `@revoked * ${b64(sshd.hostKeys[0] as KeyPair)}`]);
    const error = await expectSshError(
      connectChain(baseOptions(files, scriptedPrompt({ confirmHostKey: async () => true }), { hostKeyPolicy: 'ask', hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] })),
      'host-key-revoked',
    );
    expect(error.message).toContain(`${files.user} line 2`);
  });

  it('matches hashed |1| entries written by `ssh-keygen -H`', async () => {
    const { dir, keys, sshd } = lab();
    const plain = await knownHostsFiles(dir, 'to-hash', [sshd.knownHostsLine()]);
    const hashed = join(dir, 'hashed_known_hosts');
    await copyFile(plain.user, hashed);
    await runOk(SSH_KEYGEN, ['-H', '-f', hashed]);
    const text = await readFile(hashed, 'utf8');
    expect(text).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    expect(text).not.toContain('127.0.0.1');
    const chain = await connectChain({ ...baseOptions(plain, scriptedPrompt(), { hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] }), knownHostsFiles: [hashed] });
    expect(chain.hops[0]?.hostKey.status).toBe('match');
    await chain.close();
  });

  it('matches wildcard and [host]:port patterns; a negation excludes; a plain (port 22) entry does not match another port', async () => {
    const { dir, keys, sshd } = lab();
    const key = b64(sshd.hostKeys[0] as KeyPair);
    const connect = async (name: string, lines: string[]): Promise<unknown> => {
      const files = await knownHostsFiles(dir, name, lines);
      const chain = await connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(sshd, { identityFiles: [keys.plain.path] })] }));
      const status = chain.hops[0]?.hostKey.status;
      await chain.close();
      return status;
    };
    expect(await connect('star', [`* ${key}`])).toBe('match');
    expect(await connect('question', [`nothing.example,[127.0.0.?]:${sshd.port} ${key}`])).toBe('match');
    expect(await connect('star-port', [`[127.0.0.1]:* ${key}`])).toBe('match');
    await expectSshError(connect('negated', [`*,![127.0.0.1]:${sshd.port} ${key}`]), 'host-key-unknown');
    await expectSshError(connect('port-22-form', [`127.0.0.1 ${key}`]), 'host-key-unknown');
  });

  it('a host with keys of other types only is unknown, and the other types are reported', async () => {
    const { dir, keys, rsaOnly, stranger } = lab();
    const files = await knownHostsFiles(dir, 'other-type', [`[${rsaOnly.host}]:${rsaOnly.port} ${b64(stranger)}`]);
    const error = await expectSshError(connectChain(baseOptions(files, scriptedPrompt(), { hops: [hopTo(rsaOnly, { identityFiles: [keys.plain.path] })] })), 'host-key-unknown');
    expect(error.presented).toEqual({ keyType: 'ssh-rsa', fingerprint: await sshKeygenFingerprint(rsaOnly.hostKeys[0] as KeyPair), key: (rsaOnly.hostKeys[0] as KeyPair).blob.toString('base64') });
    expect(error.known.map((k) => k.keyType)).toEqual(['ssh-ed25519']);
    expect(error.message).toContain(await sshKeygenFingerprint(stranger));
  });
});

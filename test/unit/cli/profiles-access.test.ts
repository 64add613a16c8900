import { describe, expect, it, vi } from 'vitest';
import { savedProfile } from '../store/saved-profile';
import { accessForChain } from '../../../shared/node/remote/profile-access';
import { hopAuthSpec, openRemote, type SshAccess } from '../../../shared/node/remote/access';
import type { ConnectChainOptions } from '../../../shared/node/ssh/connect';
import type { PromptPort } from '../../../shared/node/ssh/prompt';

// openRemote's hops, as handed to connectChain: captured, then the login is refused.
const seen: ConnectChainOptions[] = [];
vi.mock('../../../shared/node/ssh/connect', () => ({
  connectChain: async (options: ConnectChainOptions) => {
    seen.push(options);
    throw new Error('captured');
  },
}));

const prompt = {} as PromptPort;

const profile = savedProfile;

describe('hopAuthSpec: a profile method offers only that method', () => {
  it.each([
    [{ method: 'agent', keyPath: null }, { agent: true, identityFiles: [], password: false, keyboardInteractive: false }],
    [{ method: 'agent', keyPath: '/k/a' }, { agent: true, identityFiles: ['/k/a'], password: false, keyboardInteractive: false }],
    [{ method: 'key', keyPath: '/k/a' }, { agent: false, identityFiles: ['/k/a'], password: false, keyboardInteractive: false }],
    [{ method: 'password', keyPath: '/k/a' }, { agent: false, identityFiles: [], password: true, keyboardInteractive: false }],
    [{ method: 'keyboard-interactive', keyPath: null }, { agent: false, identityFiles: [], password: false, keyboardInteractive: true }],
  ] as const)('%j', (auth, spec) => {
    expect(hopAuthSpec(auth)).toEqual(spec);
  });
});

describe('accessForChain', () => {
  const chain = [
    profile('edge', { user: 'e', port: 2201, auth: 'key', keyPath: '~/.ssh/edge', knownHostsFiles: ['~/kh/edge'] }),
    profile('bastion', { user: 'b', auth: 'password', jumps: ['edge'] }),
    profile('db', { user: 'postgres', host: '2001:db8::5', auth: 'key', keyPath: '/keys/db', jumps: ['bastion'], sudo: 'sudo-n', serviceHint: 'postgresql', knownHostsFiles: ['/kh/db', '~/kh/edge'] }),
  ];
  const env = { HOME: '/home/alice' };

  it('every hop keeps its own user, port, method and key; ~/ is the environment’s home', () => {
    const access = accessForChain(chain, { knownHostsFiles: ['/extra'], hostKeyPolicy: 'refuse', sudo: false }, env);
    expect(access).toEqual({
      destination: { user: 'postgres', host: '2001:db8::5', port: 22 },
      jumps: [
        { user: 'e', host: 'edge.example.com', port: 2201 },
        { user: 'b', host: 'bastion.example.com', port: 22 },
      ],
      identityFiles: [],
      knownHostsFiles: ['/home/alice/kh/edge', '/kh/db', '/extra'],
      hostKeyPolicy: 'refuse',
      sudo: true,
      hops: [
        { method: 'key', keyPath: '/home/alice/.ssh/edge' },
        { method: 'password', keyPath: null },
        { method: 'key', keyPath: '/keys/db' },
      ],
    });
  });

  it('--sudo turns sudo -n on for a "never" profile; --accept-new-host-key pins new keys', () => {
    const access = accessForChain([profile('web')], { knownHostsFiles: [], hostKeyPolicy: 'accept-new', sudo: true }, env);
    expect(access).toMatchObject({ sudo: true, hostKeyPolicy: 'accept-new', jumps: [], hops: [{ method: 'agent', keyPath: null }] });
    expect(accessForChain([profile('web')], { knownHostsFiles: [], hostKeyPolicy: 'refuse', sudo: false }, env).sudo).toBe(false);
  });
});

describe('openRemote: the HopSpec of each hop', () => {
  const base: SshAccess = {
    destination: { user: 'root', host: 'db.example.com', port: 2222 },
    jumps: [{ user: null, host: 'bastion.example.com', port: 22 }],
    identityFiles: ['/k/shared'],
    knownHostsFiles: [],
    hostKeyPolicy: 'refuse',
    sudo: false,
  };

  async function hopsOf(access: SshAccess) {
    seen.length = 0;
    await expect(openRemote(access, prompt, { USER: 'me', HOME: '/home/me', PORTWISE_HOME: '/tmp/pw' })).rejects.toThrow('captured');
    return seen[0]?.hops;
  }

  it('without per-hop logins (--ssh/--jump): every hop as before, the shared keys and all methods', async () => {
    expect(await hopsOf(base)).toEqual([
      { host: 'bastion.example.com', port: 22, user: 'me', identityFiles: ['/k/shared'], agent: true, password: true, keyboardInteractive: true },
      { host: 'db.example.com', port: 2222, user: 'root', identityFiles: ['/k/shared'], agent: true, password: true, keyboardInteractive: true },
    ]);
  });

  it('with per-hop logins (a profile chain): each hop its own method and key, never another hop’s', async () => {
    const hops = await hopsOf({ ...base, hops: [{ method: 'key', keyPath: '/k/jump' }, { method: 'agent', keyPath: null }] });
    expect(hops).toEqual([
      { host: 'bastion.example.com', port: 22, user: 'me', identityFiles: ['/k/jump'], agent: false, password: false, keyboardInteractive: false },
      { host: 'db.example.com', port: 2222, user: 'root', identityFiles: [], agent: true, password: false, keyboardInteractive: false },
    ]);
  });

  it('per-hop logins that do not match the hops are a programming error, not a login', async () => {
    await expect(openRemote({ ...base, hops: [{ method: 'agent', keyPath: null }] }, prompt, {})).rejects.toThrow(/1 hop logins for 2 hops/);
  });
});

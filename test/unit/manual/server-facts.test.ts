import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePaste, serverFactsWithPastes, type PasteContext, type PastePatch } from '../../../shared/common/manual/paste';
import { RemoteFacts as RemoteFactsSchema } from '../../../shared/common/schema/remote';
import type { RemoteFacts } from '../../../shared/common/tree/remote-facts';
import type { PasteKind } from '../../../shared/common/tree/types';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const ctx: PasteContext = { port: 80, failing: [{ address: '198.18.0.2', family: 4 }, { address: '203.0.113.9', family: 4 }], service: 'nginx' };

function patch(kind: PasteKind, text: string): PastePatch {
  const r = parsePaste(kind, text, ctx);
  if (!r.ok) throw new Error(`paste failed: ${r.error.message}`);
  return r.value.patch;
}

const SEQ = 'firewall/iptables-save/sequence/02-3x-8082-tcp-reset';

describe('serverFactsWithPastes without SSH', () => {
  it('nothing pasted: every piece is marked as not collected', () => {
    const facts = serverFactsWithPastes(null, [], 'db.example:5432');
    expect(facts).toEqual({
      server: 'db.example:5432',
      origin: 'pasted',
      uid: null,
      sudo: false,
      ownership: [],
      listeners: { status: 'skipped', source: 'not pasted', listeners: [], reason: 'no listener table was pasted' },
      selfProbes: [],
      firewall: { snapshots: [], unreadable: [{ source: 'firewall', status: 'skipped', reason: 'no rule set was pasted' }], activeManagers: [] },
      correlation: null,
      service: null,
      kernelAnswers: null,
      containers: null,
    });
    expect(RemoteFactsSchema.safeParse(facts).success).toBe(true);
  });

  it('each pasted piece takes its place; the others stay not collected', () => {
    const facts = serverFactsWithPastes(
      null,
      [
        patch('listeners', fixture('systemd/ss-port-conflict.txt')),
        patch('service', fixture('systemd/systemctl-show-nginx-port-conflict.txt') + fixture('systemd/journalctl-nginx-port-conflict.jsonl')),
        patch('addresses', fixture('ip/ip-o-addr-show.txt')),
        patch('firewall', fixture('systemd/ufw-status-verbose.txt')),
        patch('containers', fixture('docker/ps-a-json-cli20.jsonl')),
      ],
      'db.example',
    );
    expect(RemoteFactsSchema.safeParse(facts).success).toBe(true);
    expect(facts.origin).toBe('pasted');
    expect(facts.listeners.listeners.map((l) => [l.address, l.processes[0]?.name])).toEqual([['127.0.0.1', 'nc']]);
    expect(facts.service?.signatures.map((s) => s.signature)).toContain('port-in-use');
    expect(facts.ownership.map((o) => [o.address, o.owned])).toEqual([['198.18.0.2', true], ['203.0.113.9', false]]);
    expect(facts.firewall.unreadable).toEqual([]);
    expect(facts.firewall.activeManagers).toEqual(['ufw']);
    expect(facts.firewall.snapshots.map((s) => s.source)).toEqual(['iptables-nft', 'ip6tables-nft']);
    expect(facts.containers?.containers).toHaveLength(8);
    expect([facts.selfProbes, facts.correlation, facts.kernelAnswers]).toEqual([[], null, null]);
  });

  it('a later paste of the same piece wins; rule sets merge by source', () => {
    const first = patch('listeners', fixture('systemd/ss-port-conflict.txt'));
    const second = patch('listeners', fixture('systemd/ss-nginx-healthy.txt'));
    expect(serverFactsWithPastes(null, [first, second], 'x').listeners.listeners.map((l) => l.address)).toEqual(['0.0.0.0', '::']);
    const v4 = patch('firewall', fixture(`${SEQ}/iptables-nft-save-c.txt`));
    const v6 = patch('firewall', fixture(`${SEQ}/ip6tables-nft-save-c.txt`));
    const again = patch('firewall', fixture('firewall/iptables-save/sequence/11-rule-inserted-then-3x-8082/iptables-nft-save-c.txt'));
    const facts = serverFactsWithPastes(null, [v4, v6, again], 'x');
    expect(facts.firewall.snapshots.map((s) => [s.source, s.rules.length])).toEqual([['ip6tables-nft', 3], ['iptables-nft', 25]]);
    expect(facts.firewall.activeManagers).toEqual(['fail2ban']);
  });
});

describe('serverFactsWithPastes over SSH facts', () => {
  const ssh: RemoteFacts = {
    ...serverFactsWithPastes(null, [], 'unused'),
    server: 'admin@db:22',
    origin: 'ssh',
    uid: 1000,
    sudo: false,
    ownership: [{ address: '198.18.0.2', owned: null, how: 'no `ip` command on the server' }],
    listeners: { status: 'ok', source: 'ss -Htlnpe', listeners: [], reason: null },
    firewall: {
      snapshots: [],
      unreadable: [
        { source: 'iptables-nft', status: 'needs-privilege', reason: 'Permission denied (you must be root)' },
        { source: 'nft', status: 'needs-privilege', reason: 'Operation not permitted' },
      ],
      activeManagers: ['fail2ban'],
    },
    kernelAnswers: { probes: 3, icmpUnreachable: 0, icmp6Unreachable: 0, tcpResets: 3 },
  };

  it('keeps what SSH collected and its origin; the pasted rule set leaves the unreadable list', () => {
    const facts = serverFactsWithPastes(ssh, [patch('firewall', fixture('systemd/ufw-iptables-save-c.txt'))], 'ignored');
    expect([facts.origin, facts.server, facts.uid]).toEqual(['ssh', 'admin@db:22', 1000]);
    expect(facts.listeners).toBe(ssh.listeners);
    expect(facts.kernelAnswers).toBe(ssh.kernelAnswers);
    expect(facts.firewall.snapshots.map((s) => s.source)).toEqual(['iptables-nft']);
    expect(facts.firewall.unreadable.map((u) => u.source)).toEqual(['nft']);
    expect(facts.firewall.activeManagers).toEqual(['fail2ban', 'ufw']);
    expect(RemoteFactsSchema.safeParse(facts).success).toBe(true);
  });

  it('pasted addresses answer per address, keeping the others', () => {
    const facts = serverFactsWithPastes(ssh, [patch('addresses', fixture('ip/ip-o-addr-show.txt'))], 'ignored');
    expect(facts.ownership.map((o) => [o.address, o.owned])).toEqual([['198.18.0.2', true], ['203.0.113.9', false]]);
    expect(facts.ownership[0]!.how).toBe('ip -o addr show (pasted): 198.18.0.2/24 on pw0');
  });
});

import { describe, expect, it } from 'vitest';
import { Activity } from '../../../shared/common/schema/events';
import { commandLabel } from '../../../shared/common/remote/command-labels';
import { activityLog } from '../../../shared/node/activity';

describe('activityLog', () => {
  it('sends a start and one end per activity, with the time it took; later ends are ignored', () => {
    const sent: Activity[] = [];
    let clock = Date.parse('2026-11-24T10:00:00.000Z');
    const log = activityLog((a) => sent.push(Activity.parse(a)), () => clock);
    const dns = log.start('dns', 'workstation', 'Looking up db');
    clock += 42;
    dns.end('done');
    dns.end('failed', 'ignored');
    expect(sent).toEqual([
      { id: 'dns', stage: 'workstation', label: 'Looking up db', command: null, state: 'running', at: '2026-11-24T10:00:00.000Z', ms: null },
      { id: 'dns', stage: 'workstation', label: 'Looking up db', command: null, state: 'done', at: '2026-11-24T10:00:00.042Z', ms: 42 },
    ]);
  });

  it('gives a repeated id a suffix, so each run of a command is its own activity', () => {
    const sent: Activity[] = [];
    const log = activityLog((a) => sent.push(a));
    log.start('rules-nft', 'server', 'Rules', 'nft -j list ruleset').end('done');
    log.start('rules-nft', 'server', 'Rules', 'nft -j list ruleset').end('failed', 'Rules (needs root)');
    log.skip('login', 'No access');
    expect(sent.map((a) => [a.id, a.state, a.label])).toEqual([
      ['rules-nft', 'running', 'Rules'],
      ['rules-nft', 'done', 'Rules'],
      ['rules-nft#2', 'running', 'Rules'],
      ['rules-nft#2', 'failed', 'Rules (needs root)'],
      ['login-skipped', 'skipped', 'No access'],
    ]);
  });
});

describe('commandLabel', () => {
  it.each([
    ['listeners-ss', 'Who listens on the port (ss)'],
    ['listeners-ss6', 'Who listens on the port (ss, IPv6)'],
    ['listeners-proc-tcp6', 'Who listens on the port (/proc/net/tcp6)'],
    ['route-get-2', 'Which interface owns address 2'],
    ['rules-iptables-nft-before', 'Firewall rules and counters (iptables-nft), before the probes'],
    ['kernel-counters-after', 'Kernel reset and ICMP counters, after the probes'],
    ['service-log', "The service's recent log"],
    ['something-new', 'something-new'],
  ])('%s -> %s', (id, label) => {
    expect(commandLabel(id)).toBe(label);
  });
});

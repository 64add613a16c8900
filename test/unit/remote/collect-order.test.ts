import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../../shared/common/parsers/capabilities';
import type { RemoteSession } from '../../../shared/node/remote/access';
import { collectRemote } from '../../../shared/node/remote/collect';
import { RemoteRunner, defaultRunnerOptions } from '../../../shared/node/remote/runner';
import type { ExecResult, ExecTransport } from '../../../shared/node/remote/transport';
import { framedAnswer, type Answer } from '../../shared/framed-answer';
import { waitFor } from '../../integration/loopback';

/**
 * The order of the server's commands: the rule counters are read before and after fresh probes,
 * once the self-probes are over (the same rules count those); `docker ps`, which no rule counts,
 * runs beside those rounds instead of holding them up.
 */

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const PORT = 8082;

const answers: [RegExp, string, Answer][] = [
  [/ss -tlnpe4/, 'ss4', { stdout: '' }],
  [/ss -tlnpe6/, 'ss6', { stdout: '' }],
  [/ip route get/, 'route', { stdout: fixture('ip/route-get-v4-local-198.18.0.2.txt') }],
  [/dev\/tcp/, 'self-probe', { stdout: '', stderr: 'bash: connect: Connection refused\n', code: 1 }],
  [/iptables-nft-save/, 'iptables', { stdout: fixture('firewall/iptables-save/sequence/02-3x-8082-tcp-reset/iptables-nft-save-c.txt') }],
  [/proc\/net\/snmp/, 'counters', { stdout: fixture('nstat/proc-net-snmp.txt') }],
  [/docker ps/, 'docker', { stdout: fixture('docker/ps-a-json-cli28.jsonl') }],
];

describe('collectRemote: which commands wait for which', () => {
  it('docker ps does not hold up the firewall rounds; the self-probes are over before the first counter read', async () => {
    const events: string[] = [];
    let releaseDocker!: () => void;
    const docker = new Promise<void>((resolve) => (releaseDocker = resolve));
    const transport: ExecTransport = {
      where: 'test',
      async exec(command): Promise<ExecResult> {
        const [, name, answer] = answers.find(([re]) => re.test(command)) ?? [null, command, { stdout: '' }];
        events.push(`start ${name}`);
        if (name === 'docker') await docker;
        events.push(`end ${name}`);
        return { ...framedAnswer(command, answer), signal: null, truncated: false, timedOut: false, ms: 1 };
      },
    };
    const capabilities: Capabilities = {
      kernel: 'Linux', kernelRelease: '6.1.0', osId: 'debian', osVersion: '12', uid: 0, user: 'root', tools: new Set(['ss', 'ip', 'bash', 'timeout', 'iptables-nft-save', 'docker']),
      sudo: false, systemd: false, busybox: false, bashDevTcp: true, iptablesBackend: 'nf_tables', legacyTables: { v4: false, v6: false },
    };
    const session: RemoteSession = {
      server: 'root@198.18.0.2:22',
      chain: undefined as never, // collectRemote never touches the SSH chain
      probeDigest: null,
      runner: new RemoteRunner(transport, { ...defaultRunnerOptions, concurrency: 3 }),
      capabilities,
      probeOutput: '',
      close: async () => {},
    };
    const collecting = collectRemote(session, {
      port: PORT,
      failing: [{ address: '198.18.0.2', family: 4, sources: ['literal'], loopback: false, localInterface: null }],
      service: null,
      reprobe: async () => void events.push('reprobe'),
      onEvidence: () => undefined,
    });

    // Both counter rounds, and the probes between them, happen while docker still has not answered.
    await waitFor(() => events.filter((e) => e === 'end counters').length === 2, 5000, 'both counter rounds');
    expect(events).toContain('start docker');
    expect(events).not.toContain('end docker');
    const firstCounterRead = events.indexOf('start counters');
    expect(events.lastIndexOf('end self-probe')).toBeLessThan(firstCounterRead);
    expect(events.indexOf('reprobe')).toBeGreaterThan(firstCounterRead);

    releaseDocker();
    const facts = await collecting;
    expect(facts.containers?.status).toBe('ok');
    expect(facts.containers?.containers.length).toBeGreaterThan(0);
    expect(facts.correlation).not.toBeNull();
  });
});

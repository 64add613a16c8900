import { describe, expect, it } from 'vitest';
import { probeAddress } from '../../shared/node/probes/tcp';
import { NS_V4, NS_V6, ruleCounter } from './harness/netns';
import { useLab } from './harness/suite';

// Real kernel answers (catalog §0.1) from a namespace, each classified by the real probe.
// A listener runs behind every firewall case, so the answer can only come from the rule.
const lab = useLab();
const options = { timeoutMs: 2000, closeGraceMs: 250 };

describe('probeAddress against real kernel answers (198.18.0.2 / 2001:2::2)', () => {
  it('no listener: RST from the kernel -> refused / ECONNREFUSED (IPv4 and IPv6)', async () => {
    lab();
    const v4 = await probeAddress(NS_V4, 4, 8080, 1, options);
    expect(v4).toMatchObject({ status: 'refused', errno: 'ECONNREFUSED', afterConnect: false, banner: null });
    const v6 = await probeAddress(NS_V6, 6, 8080, 1, options);
    expect(v6).toMatchObject({ status: 'refused', errno: 'ECONNREFUSED', afterConnect: false });
  });

  it('a listener that holds the connection -> connected', async () => {
    await lab().startListener({ address: '0.0.0.0', port: 8084, mode: 'accept' });
    const a = await probeAddress(NS_V4, 4, 8084, 1, options);
    expect(a).toMatchObject({ status: 'connected', errno: null, afterConnect: false });
  });

  it('iptables REJECT --reject-with tcp-reset -> refused / ECONNREFUSED, and the rule counted exactly that SYN', async () => {
    const l = lab();
    await l.startListener({ address: '0.0.0.0', port: 8082, mode: 'accept' });
    await l.exec(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '8082', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    const before = await ruleCounter(l, 'iptables-save', ['--dport 8082', '-j REJECT']);
    expect(before.packets).toBe(0);
    const a = await probeAddress(NS_V4, 4, 8082, 1, options);
    expect(a).toMatchObject({ status: 'refused', errno: 'ECONNREFUSED', afterConnect: false });
    const after = await ruleCounter(l, 'iptables-save', ['--dport 8082', '-j REJECT']);
    expect(after.rule).toContain('tcp-reset');
    expect(after.packets).toBe(1);
  });

  it('plain iptables REJECT (icmp-port-unreachable) -> refused / ECONNREFUSED', async () => {
    const l = lab();
    await l.startListener({ address: '0.0.0.0', port: 8085, mode: 'accept' });
    await l.exec(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '8085', '-j', 'REJECT']);
    const a = await probeAddress(NS_V4, 4, 8085, 1, options);
    expect(a).toMatchObject({ status: 'refused', errno: 'ECONNREFUSED', afterConnect: false });
    expect((await ruleCounter(l, 'iptables-save', ['--dport 8085', 'icmp-port-unreachable'])).packets).toBe(1);
  });

  it('iptables REJECT --reject-with icmp-host-prohibited -> unreachable / EHOSTUNREACH', async () => {
    const l = lab();
    await l.startListener({ address: '0.0.0.0', port: 8086, mode: 'accept' });
    await l.exec(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '8086', '-j', 'REJECT', '--reject-with', 'icmp-host-prohibited']);
    const a = await probeAddress(NS_V4, 4, 8086, 1, options);
    expect(a).toMatchObject({ status: 'unreachable', errno: 'EHOSTUNREACH', afterConnect: false });
    expect(a.ms).toBeLessThan(1000); // a firewall answer, not an ARP timeout
  });

  it('ip6tables REJECT --reject-with icmp6-adm-prohibited on the IPv6 address -> unreachable / EACCES', async () => {
    const l = lab();
    await l.startListener({ address: '::', port: 8087, mode: 'accept' });
    await l.exec(['ip6tables', '-A', 'INPUT', '-p', 'tcp', '-d', NS_V6, '--dport', '8087', '-j', 'REJECT', '--reject-with', 'icmp6-adm-prohibited']);
    const a = await probeAddress(NS_V6, 6, 8087, 1, options);
    expect(a).toMatchObject({ status: 'unreachable', errno: 'EACCES', family: 6, afterConnect: false });
    // Over a veth the first ICMPv6 comes back while connect() still holds the socket lock, so the
    // kernel keeps it as a soft error (TcpExtLockDroppedIcmps) and retransmits the SYN after the
    // 1 s initial RTO; the second answer is final. Measured: always 2 SYNs and about 1 s.
    const counter = await ruleCounter(l, 'ip6tables-save', ['--dport 8087', 'icmp6-adm-prohibited']);
    expect(counter.packets).toBeGreaterThanOrEqual(1);
    expect(counter.packets).toBeLessThanOrEqual(2);
  });

  it('iptables DROP -> timeout / ETIMEDOUT at the probe deadline', async () => {
    const l = lab();
    await l.startListener({ address: '0.0.0.0', port: 8083, mode: 'accept' });
    await l.exec(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '8083', '-j', 'DROP']);
    const a = await probeAddress(NS_V4, 4, 8083, 1, { timeoutMs: 800, closeGraceMs: 250 });
    expect(a).toMatchObject({ status: 'timeout', errno: 'ETIMEDOUT', afterConnect: false });
    expect(a.ms).toBeGreaterThanOrEqual(750);
    expect(a.ms).toBeLessThan(2000);
    expect((await ruleCounter(l, 'iptables-save', ['--dport 8083', '-j DROP'])).packets).toBeGreaterThanOrEqual(1);
  });

  it('accept, banner, close (Redis protected mode) -> reset / EOF after connect, banner captured', async () => {
    await lab().startListener({ address: '0.0.0.0', port: 6379, mode: 'accept-close', banner: '-DENIED Redis is running in protected mode' });
    const a = await probeAddress(NS_V4, 4, 6379, 1, options);
    expect(a).toMatchObject({ status: 'reset', errno: 'EOF', afterConnect: true });
    expect(a.banner).toContain('-DENIED Redis is running in protected mode');
  });

  it('accept then close without a banner -> reset / EOF after connect, no banner', async () => {
    await lab().startListener({ address: '0.0.0.0', port: 8088, mode: 'accept-close' });
    const a = await probeAddress(NS_V4, 4, 8088, 1, options);
    expect(a).toMatchObject({ status: 'reset', errno: 'EOF', afterConnect: true, banner: null });
  });
});

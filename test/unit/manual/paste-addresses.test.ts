import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePaste, type PasteContext } from '../../../shared/common/manual/paste';
import { RemoteFacts } from '../../../shared/common/schema/remote';

// Real output: test/fixtures/ip/README.md and test/fixtures/manual/README.md (netns pwparse, iproute2 6.1, BusyBox 1.35).
const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');

const failing: PasteContext['failing'] = [
  { address: '198.18.0.2', family: 4 },
  { address: '198.18.0.4', family: 4 }, // secondary, label pw0:web
  { address: '203.0.113.9', family: 4 },
  { address: '127.0.0.5', family: 4 }, // inside lo's 127.0.0.1/8
  { address: '2001:0002::abcd:ef01:2345:6789', family: 6 }, // not in RFC 5952 form
  { address: '2001:2:0:1::1', family: 6 }, // tentative, on the link that is down
  { address: 'fe80::1', family: 6 },
];
const ctx: PasteContext = { port: 5432, failing, service: null };

function ownership(text: string) {
  const r = parsePaste('addresses', text, ctx);
  if (!r.ok) throw new Error(`paste failed: ${r.error.message}`);
  if (r.value.patch.kind !== 'addresses') throw new Error('wrong patch kind');
  return { ...r.value, ownership: r.value.patch.ownership };
}

const owned = (text: string) => ownership(text).ownership.map((o) => [o.address, o.owned]);
const EXPECTED: [string, boolean][] = [
  ['198.18.0.2', true],
  ['198.18.0.4', true],
  ['203.0.113.9', false],
  ['127.0.0.5', true],
  ['2001:0002::abcd:ef01:2345:6789', true],
  ['2001:2:0:1::1', true],
  ['fe80::1', true],
];

describe('parsePaste addresses', () => {
  it('ip -o addr show (iproute2 and BusyBox): one ownership entry per failing address', () => {
    const p = ownership(fixture('ip/ip-o-addr-show.txt'));
    expect(p.ownership.map((o) => [o.address, o.owned])).toEqual(EXPECTED);
    expect(p.format).toBe('ip -o addr show');
    expect(p.ownership[0]!.how).toBe('ip -o addr show (pasted): 198.18.0.2/24 on pw0');
    expect(p.ownership[2]!.how).toBe("ip -o addr show (pasted): not among the server's 15 interface addresses");
    expect(p.ownership[3]!.how).toBe('ip -o addr show (pasted): inside 127.0.0.1/8 on lo (scope host)');
    expect(p.ownership[5]!.how).toBe('ip -o addr show (pasted): 2001:2:0:1::1/64 on pw1 (tentative)');
    expect(RemoteFacts.shape.ownership.safeParse(p.ownership).success).toBe(true);
    expect(owned(fixture('ip/busybox-ip-o-addr-show.txt'))).toEqual(EXPECTED);
  });

  it('ip -j addr show and plain ip addr show (iproute2 and BusyBox) give the same answers as -o', () => {
    expect(owned(fixture('ip/ip-j-addr-show.json'))).toEqual(EXPECTED);
    const plain = ownership(fixture('manual/ip-addr-show.txt'));
    expect(plain.format).toBe('ip addr show');
    expect(plain.ownership).toEqual(ownership(fixture('manual/ip-o-addr-show.txt')).ownership.map((o) => ({ ...o, how: o.how.replace('ip -o addr show', 'ip addr show') })));
    expect(owned(fixture('manual/busybox-ip-addr-show.txt'))).toEqual(EXPECTED);
  });

  it('hostname -I lists global addresses only: loopback and link-local are not in it', () => {
    const p = ownership(fixture('manual/hostname-I.txt'));
    expect(p.format).toBe('hostname -I');
    expect(p.ownership.map((o) => [o.address, o.owned])).toEqual([
      ['198.18.0.2', true], ['198.18.0.4', true], ['203.0.113.9', false], ['127.0.0.5', false],
      ['2001:0002::abcd:ef01:2345:6789', true], ['2001:2:0:1::1', false], ['fe80::1', false],
    ]);
  });

  it('plain output cut with `| grep inet` still answers', () => {
    const cut = fixture('manual/ip-addr-show.txt').split('\n').filter((l) => /^\s+inet/.test(l)).join('\n');
    expect(owned(cut)).toEqual(EXPECTED);
  });

  it('summarises what was found', () => {
    expect(ownership(fixture('ip/ip-o-addr-show.txt')).summary).toBe(
      "198.18.0.2, 198.18.0.4, 127.0.0.5, 2001:0002::abcd:ef01:2345:6789, 2001:2:0:1::1, fe80::1 are addresses of the server; 203.0.113.9 is not; 15 addresses pasted (ip -o addr show)",
    );
  });

  it('errors: wrong command, ifconfig, no address at all', () => {
    const ss = parsePaste('addresses', fixture('ss/ss-Htlnpe.txt'), ctx);
    expect(!ss.ok && ss.error.message).toMatch(/^This looks like the output of `ss -tlnp` \(the listening sockets\), but this step asks for the server's addresses: paste the output of `ip -o addr show`/);
    // Hand-made, net-tools ifconfig style.
    const ifconfig = parsePaste('addresses', 'eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n        inet 198.18.0.2  netmask 255.255.255.0\n', ctx);
    expect(!ifconfig.ok && ifconfig.error.message).toBe('`ifconfig` output is not read here: paste the output of `ip -o addr show` instead (BusyBox has it too).');
    const links = parsePaste('addresses', fixture('ip/ip-o-link-show.txt'), ctx);
    expect(!links.ok && links.error.message).toMatch(/lists no IPv4 or IPv6 address/);
  });
});

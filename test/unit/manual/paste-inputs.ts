import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parsePaste, type PasteContext } from '../../../shared/common/manual/paste';
import { RemoteFacts } from '../../../shared/common/schema/remote';
import { PASTE_KINDS, type PasteKind } from '../../../shared/common/tree/types';

/**
 * Inputs for the "never throws" properties of parsePaste (unit and fuzz tiers): arbitrary text,
 * and text made of real output lines of every kind, cut, shuffled and mixed with noise, so the
 * generator reaches past format detection into every parser.
 */

const FIXTURES = [
  'ss/ss-tlnpe-with-header.txt', 'ss/ss-Htulnpe-netid-column.txt', 'netstat/net-tools-netstat-tlnpW.txt', 'netstat/busybox-netstat-tln.txt',
  'proc-net-tcp/tcp-listen-127.0.0.1-0.0.0.0-and-established.txt', 'proc-net-tcp/tcp6-listen-loopback-wildcard-v6only-dualstack-and-v4mapped.txt',
  'ip/ip-o-addr-show.txt', 'manual/ip-addr-show.txt', 'manual/hostname-I.txt', 'systemd/systemctl-show-nginx-port-conflict.txt',
  'systemd/journalctl-nginx-port-conflict.jsonl', 'firewall/iptables-save/iptables-nft-S.txt', 'firewall/iptables-save/sequence/02-3x-8082-tcp-reset/iptables-nft-save-c.txt',
  'firewall/ufw/status-verbose-active.txt', 'firewall/firewalld/list-all.txt', 'docker/ps-a-json-cli20.jsonl', 'docker/error-daemon-down-cli20.stderr.txt',
];
const WHOLE = ['ip/ip-j-addr-show.json', 'firewall/nft-json/sequence/00-initial/nft-j-list-ruleset.json', 'docker/inspect-all.json'];

const read = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const LINES = FIXTURES.flatMap((f) => read(f).split('\n')).filter((l) => l.trim() !== '');
const NOISE = ['root@db:~# ss -tlnp', '-bash: ss: command not found', 'Permission denied', '', '   ', '\t', '*filter', 'COMMIT', '{', '[', '{"nftables": [', 'Status: active', '  target: default', '● x.service', '     Active: failed (Result: exit-code)', 'Hint: You are currently not seeing messages from other users', '\u001b[31m', '\r'];

/** A real line, possibly cut or with a character changed. */
const line = fc.oneof(
  fc.constantFrom(...LINES),
  fc.tuple(fc.constantFrom(...LINES), fc.nat(), fc.nat()).map(([l, a, b]) => l.slice(Math.min(a, b) % (l.length + 1), Math.max(a, b) % (l.length + 1))),
  fc.tuple(fc.constantFrom(...LINES), fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(([l, at, s]) => `${l.slice(0, at % (l.length + 1))}${s}${l.slice((at % (l.length + 1)) + 1)}`),
  fc.constantFrom(...NOISE),
  fc.string({ maxLength: 80 }),
);

export const pasteText = fc.oneof(
  fc.string({ maxLength: 2000 }),
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.array(line, { maxLength: 60 }).map((ls) => ls.join('\n')),
  fc.tuple(fc.constantFrom(...WHOLE), fc.nat(), fc.string({ maxLength: 5 })).map(([f, at, s]) => {
    const t = read(f);
    const i = at % (t.length + 1);
    return `${t.slice(0, i)}${s}${t.slice(i + s.length)}`;
  }),
);

export const pasteKind = fc.constantFrom<PasteKind>(...PASTE_KINDS);

export const pasteContext: fc.Arbitrary<PasteContext> = fc.record({
  port: fc.oneof(fc.constantFrom(22, 80, 5432, 8082, 47103, 47113), fc.integer({ min: 1, max: 65535 })),
  failing: fc.array(fc.oneof(fc.constant({ address: '198.18.0.2', family: 4 as const }), fc.ipV4().map((address) => ({ address, family: 4 as const })), fc.ipV6().map((address) => ({ address, family: 6 as const }))), { maxLength: 3 }),
  service: fc.option(fc.constantFrom('nginx', 'crashloop', "x'; rm -rf /"), { nil: null }),
});

const PIECES: Record<PasteKind, (p: unknown) => boolean> = {
  listeners: (p) => RemoteFacts.shape.listeners.safeParse(p).success,
  addresses: (p) => RemoteFacts.shape.ownership.safeParse(p).success,
  service: (p) => RemoteFacts.shape.service.safeParse(p).success,
  firewall: (p) => RemoteFacts.shape.firewall.safeParse({ ...(p as object), unreadable: [] }).success,
  containers: (p) => RemoteFacts.shape.containers.safeParse(p).success,
};

/** One paste, checked: a valid piece of RemoteFacts of the asked kind, or one clear sentence. Throws on a violation. */
export function checkPaste(kind: PasteKind, text: string, ctx: PasteContext): void {
  const r = parsePaste(kind, text, ctx);
  if (r.ok) {
    const { patch } = r.value;
    if (patch.kind !== kind) throw new Error(`asked ${kind}, got a ${patch.kind} patch`);
    const piece = patch.kind === 'listeners' ? patch.listeners : patch.kind === 'addresses' ? patch.ownership : patch.kind === 'service' ? patch.service : patch.kind === 'firewall' ? { snapshots: patch.snapshots, activeManagers: patch.activeManagers } : patch.containers;
    if (!PIECES[kind](piece)) throw new Error(`the ${kind} piece does not match the RemoteFacts schema`);
    if (patch.kind === 'listeners' && patch.listeners.listeners.some((l) => l.port !== ctx.port)) throw new Error('a listener on another port was kept');
    if (r.value.summary === '' || r.value.format === '') throw new Error('empty summary or format');
    return;
  }
  if (r.error.kind !== kind) throw new Error(`error for ${r.error.kind}, asked ${kind}`);
  if (r.error.message.trim() === '') throw new Error('empty error message');
  if (r.error.message.includes('internal error')) throw new Error(`parsePaste hit its safety net: ${r.error.message}`);
  if (r.error.line !== undefined && !(Number.isInteger(r.error.line) && r.error.line >= 1)) throw new Error(`bad line number ${r.error.line}`);
}

import { describe, expect, it } from 'vitest';
import type { ConnectStatus, ProbeAttempt, ResolvedAddress } from '../../../shared/common/schema/probe';
import type { Evidence, EvidenceFacts, Report } from '../../../shared/common/schema/report';
import type { Target } from '../../../shared/common/schema/target';
import type { AddressRow } from '../../../renderer/state/run';
import {
  layoutPath,
  PATH_GEOMETRY,
  pathFacts,
  truncateMiddle,
  type PathFactsInput,
  type PathLayout,
  type PathNode,
} from '../../../renderer/lib/path-diagram';

const T0 = 1_700_000_000_000;
const V6_LONG = '2001:db8:85a3:1234:5678:8a2e:370:7334';
const target: Target = { host: 'db.example.com', port: 5432, hostKind: 'name' };

function resolved(address: string): ResolvedAddress {
  return { address, family: address.includes(':') ? 6 : 4, sources: ['dns'], loopback: false, localInterface: null };
}

function attempt(address: string, round: number, status: ConnectStatus): ProbeAttempt {
  return { address, family: address.includes(':') ? 6 : 4, port: 5432, round, startedAt: T0 + round * 3500, ms: 0.4, status, errno: null, detail: '', afterConnect: false, banner: null };
}

function row(address: string, statuses: readonly ConnectStatus[] = []): AddressRow {
  return { address: resolved(address), attempts: Object.fromEntries(statuses.map((s, i) => [i + 1, attempt(address, i + 1, s)])) };
}

function evidence(facts: EvidenceFacts, extra: Partial<Evidence> = {}): Evidence {
  return { id: facts.check, where: 'workstation', command: '', startedAt: new Date(T0).toISOString(), ms: 1, status: 'ok', summary: '', raw: null, origin: 'collected', facts, ...extra };
}

const loginOk = (hops: { hop: string; status: string }[], server = 'deploy@db.example.com') =>
  evidence(
    { check: 'ssh-login', server, ok: true, errorKind: null, hops: hops.map((h) => ({ ...h, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' })) },
    { command: `ssh ${server}` },
  );

const loginFailed = (command: string, errorKind: string, summary: string) =>
  evidence({ check: 'ssh-login', server: command.split(' ').at(-1)!, ok: false, errorKind, hops: [] }, { command, status: 'error', summary });

// The decision tree reads only that server facts exist; their content is not drawn.
const serverRead = evidence({ check: 'server-facts', remote: {} as Extract<EvidenceFacts, { check: 'server-facts' }>['remote'] }, { where: 'deploy@db.example.com' });
const pasted = evidence({ check: 'pasted', node: 'R1', kind: 'listeners' }, { origin: 'pasted' });

const threeJumps = 'ssh -J alice@bastion -J bob@middle:2222 -J carol@inner deploy@db.example.com';
const failure = (kind: string, hop: number): NonNullable<Report['sshFailure']> => ({ kind, message: `jump host ${hop} of 4, x: failed`, hop });

function layout(input: Partial<PathFactsInput>): PathLayout {
  return layoutPath(pathFacts({ evidence: [], sshFailure: null, target, rows: [row('198.18.0.5', ['refused', 'refused', 'refused'])], running: false, ...input }));
}

const byKind = (l: PathLayout, kind: PathNode['kind']) => l.nodes.filter((n) => n.kind === kind);
const server = (l: PathLayout) => byKind(l, 'server')[0]!;
const edgeTo = (l: PathLayout, id: string) => l.edges.find((e) => e.id.endsWith(`-${id}`))!;

describe('pathFacts + layoutPath: hops', () => {
  it('without SSH: this computer, the server "not inspected", the addresses; no SSH line', () => {
    const l = layout({});
    expect(l.nodes.map((n) => n.kind)).toEqual(['workstation', 'server', 'address']);
    expect(server(l)).toMatchObject({ tone: 'muted', status: '– not inspected', fullLabel: 'db.example.com' });
    expect(l.edges.some((e) => e.id.startsWith('ssh-'))).toBe(false);
  });

  it('without SSH but with pasted output: the server says a person pasted it', () => {
    const l = layout({ evidence: [pasted] });
    expect(server(l)).toMatchObject({ tone: 'info', status: '✎ pasted by a person' });
    expect(server(l).title).toContain('a person pasted output from it');
  });

  it('a full login through three jump hosts: each hop by its host key, the server read', () => {
    const l = layout({
      evidence: [
        loginOk([
          { hop: 'alice@bastion:22', status: 'match' },
          { hop: 'bob@middle:2222', status: 'accepted-new' },
          { hop: 'carol@inner:22', status: 'match' },
          { hop: 'deploy@db.example.com:22', status: 'match' },
        ]),
        serverRead,
      ],
    });
    const jumps = byKind(l, 'jump');
    expect(jumps.map((j) => [j.fullLabel, j.tone, j.role])).toEqual([
      ['alice@bastion:22', 'ok', 'Jump host 1 of 3'],
      ['bob@middle:2222', 'info', 'Jump host 2 of 3'],
      ['carol@inner:22', 'ok', 'Jump host 3 of 3'],
    ]);
    expect(jumps[1]!.status).toBe('✓ new host key trusted');
    expect(jumps[1]!.title).toContain('trusted on first use (ssh-ed25519 SHA256:abc)');
    expect(server(l)).toMatchObject({ tone: 'ok', status: '✓ logged in, read', fullLabel: 'deploy@db.example.com' });
    const chain = l.edges.filter((e) => e.id.startsWith('ssh-'));
    expect(chain).toHaveLength(4);
    expect(chain.every((e) => !e.dashed && e.tone !== 'muted')).toBe(true);
    expect(chain[0]!.label?.text).toBe('SSH');
  });

  it('a login that failed at the second of three jump hosts: passed, failed (with the kind), not reached', () => {
    const l = layout({ evidence: [loginFailed(threeJumps, 'auth-failed', 'jump host 2 of 4, bob@middle:2222: no')], sshFailure: failure('auth-failed', 2) });
    const jumps = byKind(l, 'jump');
    expect(jumps.map((j) => j.fullLabel)).toEqual(['alice@bastion', 'bob@middle:2222', 'carol@inner']);
    expect(jumps.map((j) => j.tone)).toEqual(['ok', 'bad', 'muted']);
    expect(jumps[1]!.status).toBe('✕ login refused');
    // The engine's hop prefix is dropped from its message: the sentence names the hop once.
    expect(jumps[1]!.title).toBe('Jump host 2 of 3, bob@middle:2222: the login failed here (login refused, auth-failed): failed.');
    expect(jumps[2]!.status).toBe('– not reached');
    expect(server(l)).toMatchObject({ tone: 'muted', status: '– not reached' });
    // The failed hop answered (its login was refused): its line is solid; the lines past it are dashed.
    expect(edgeTo(l, 'jump-2')).toMatchObject({ tone: 'bad', dashed: false });
    expect(edgeTo(l, 'jump-3')).toMatchObject({ tone: 'muted', dashed: true });
    expect(edgeTo(l, 'server')).toMatchObject({ tone: 'muted', dashed: true });
  });

  it('a hop that could not be connected to is drawn as not reached, in the failure tone', () => {
    const l = layout({ evidence: [loginFailed(threeJumps, 'connect-failed', '')], sshFailure: failure('connect-failed', 1) });
    expect(byKind(l, 'jump')[0]).toMatchObject({ tone: 'bad', status: '✕ could not connect' });
    expect(edgeTo(l, 'jump-1')).toMatchObject({ dashed: true });
  });

  it('every failure kind fits its box uncut', () => {
    const kinds = ['host-key-changed', 'host-key-revoked', 'host-key-unknown', 'host-key-rejected', 'auth-failed', 'connect-failed', 'timeout', 'cancelled', 'key-unreadable', 'protocol', 'error'];
    for (const kind of kinds) {
      const status = server(layout({ evidence: [loginFailed('ssh deploy@db.example.com', kind, '')], sshFailure: { kind, message: '', hop: 1 } })).status;
      expect(status.length, status).toBeLessThanOrEqual(PATH_GEOMETRY.statusChars);
      expect(status.endsWith('…'), status).toBe(false);
    }
  });

  it('a failure at the server itself, without jumps', () => {
    const l = layout({ evidence: [loginFailed('ssh deploy@db.example.com', 'host-key-changed', '')], sshFailure: { kind: 'host-key-changed', message: 'changed', hop: 1 } });
    expect(byKind(l, 'jump')).toEqual([]);
    expect(server(l)).toMatchObject({ tone: 'bad', status: '✕ host key changed' });
  });

  it('while the run is still going, the failed hop is read from the message (no report yet)', () => {
    const l = layout({ running: true, evidence: [loginFailed(threeJumps, 'timeout', 'jump host 3 of 4, carol@inner:22: timed out')] });
    expect(byKind(l, 'jump').map((j) => j.tone)).toEqual(['ok', 'ok', 'bad']);
  });

  it('a failure the record cannot place falls on the server; the jumps are "not known"', () => {
    const l = layout({ evidence: [loginFailed(threeJumps, 'error', 'boom')], sshFailure: { kind: 'error', message: 'boom', hop: 0 } });
    expect(byKind(l, 'jump').map((j) => j.status)).toEqual(['? not known', '? not known', '? not known']);
    expect(server(l)).toMatchObject({ tone: 'bad', status: '✕ error' });
  });

  it('the planned chain is drawn before the login, at the size it will keep', () => {
    const plan = { destination: 'deploy@db.example.com', jumps: ['alice@bastion:22', ' ', 'bob@middle:2222'] };
    const before = layout({ running: true, plan });
    expect(byKind(before, 'jump').map((j) => [j.fullLabel, j.status])).toEqual([
      ['alice@bastion', '… not tried yet'],
      ['bob@middle:2222', '… not tried yet'],
    ]);
    const after = layout({
      running: true,
      plan,
      evidence: [loginOk([{ hop: 'alice@bastion:22', status: 'match' }, { hop: 'bob@middle:2222', status: 'match' }, { hop: 'deploy@db.example.com:22', status: 'match' }])],
    });
    expect(server(after)).toMatchObject({ status: '✓ logged in, reading…', active: true });
    expect([after.width, after.height]).toEqual([before.width, before.height]);
    expect(server(layout({ running: false, plan }))).toMatchObject({ status: '– not tried', tone: 'muted' });
  });
});

describe('pathFacts + layoutPath: addresses', () => {
  it('colours each address by its probes, with a word for each', () => {
    const l = layout({
      rows: [row('198.18.0.1', ['refused', 'refused']), row('198.18.0.2', ['timeout']), row('198.18.0.3', ['refused', 'connected', 'refused']), row('198.18.0.4', ['connected']), row('198.18.0.5')],
    });
    expect(byKind(l, 'address').map((n) => [n.tone, n.status])).toEqual([
      ['bad', '✕ refused ×2'],
      ['warn', '◷ timed out ×1'],
      ['warn', '≠ mixed 2✕ 1✓'],
      ['ok', '✓ connected ×1'],
      ['muted', '– not probed'],
    ]);
    expect(byKind(l, 'address')[2]!.title).toBe('IPv4 address 198.18.0.3, port 5432: mixed: 2 refused, 1 connected.');
    const branches = l.edges.filter((e) => e.id.startsWith('probe-address'));
    expect(branches.map((e) => [e.tone, e.dashed])).toEqual([
      ['bad', false],
      ['warn', false],
      ['warn', false],
      ['ok', false],
      ['muted', true],
    ]);
  });

  it('no address yet: one placeholder box, probing while running', () => {
    const live = layout({ rows: [], running: true });
    expect(byKind(live, 'address')).toHaveLength(1);
    expect(byKind(live, 'address')[0]).toMatchObject({ tone: 'muted', active: true, label: 'Resolving…' });
    expect(byKind(layout({ rows: [] }), 'address')[0]!.title).toBe('No address was probed.');
  });

  it('cuts a long IPv6 address in the middle and keeps the full text in the title', () => {
    const node = byKind(layout({ rows: [row(V6_LONG, ['timeout'])] }), 'address')[0]!;
    expect(node.fullLabel).toBe(V6_LONG);
    expect(node.label.length).toBeLessThanOrEqual(PATH_GEOMETRY.labelChars);
    expect(node.label).toMatch(/^2001:db8.*….*7334$/);
    expect(node.title).toContain(V6_LONG);
    expect(node.role).toBe('IPv6 address');
  });

  it('keeps its size as attempts stream in', () => {
    const rows = ['198.18.0.1', '198.18.0.2'];
    const sizes = [0, 1, 2, 3].map((n) => {
      const l = layout({ running: true, rows: rows.map((a) => row(a, (['refused', 'timeout', 'refused'] as const).slice(0, n))) });
      return [l.width, l.height, l.nodes.map((x) => [x.x, x.y])];
    });
    for (const s of sizes) expect(s).toEqual(sizes[0]);
  });
});

describe('layoutPath: the picture', () => {
  const big = () =>
    layout({
      evidence: [loginFailed(threeJumps, 'auth-failed', '')],
      sshFailure: failure('auth-failed', 2),
      rows: ['198.18.0.1', '198.18.0.2', 'fe80::1', V6_LONG, '198.18.0.9'].map((a) => row(a, ['refused'])),
    });

  it('no two boxes overlap and everything fits the drawing', () => {
    const l = big();
    for (const n of l.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.w).toBeLessThanOrEqual(l.width);
      expect(n.y + n.h).toBeLessThanOrEqual(l.height);
    }
    for (const a of l.nodes)
      for (const b of l.nodes) {
        if (a === b) continue;
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    for (const e of l.edges) for (const [x, y] of e.points) expect(x <= l.width && y <= l.height).toBe(true);
  });

  it('every box has a status in words and a title, and the description says all of them', () => {
    const l = big();
    for (const n of l.nodes) {
      expect(n.status.trim().length).toBeGreaterThan(2);
      // Nothing had to be cut: the words fit the box as written.
      expect(n.status.endsWith('…'), n.status).toBe(false);
      expect(n.role.endsWith('…'), n.role).toBe(false);
      expect(l.description).toContain(n.title);
    }
    expect(l.description.startsWith('Path from this computer to db.example.com:5432. SSH goes through 3 jump hosts to the server.')).toBe(true);
  });

  it('captions the target box with the target, cut in the middle when long', () => {
    expect(big().group).toMatchObject({ label: 'db.example.com:5432', fullLabel: 'The target, db.example.com:5432: the server and its addresses' });
    const long = layout({ target: { host: 'a-very-long-internal-database-name.example.com', port: 5432, hostKind: 'name' } }).group.label;
    expect(long.length).toBeLessThanOrEqual(PATH_GEOMETRY.groupChars);
    expect(long).toMatch(/^a-very.*….*:5432$/);
  });

  it('is deterministic', () => {
    expect(big()).toEqual(big());
  });
});

describe('truncateMiddle', () => {
  it('keeps short text, cuts long text to the budget with both ends kept', () => {
    expect(truncateMiddle('198.18.0.1', 19)).toBe('198.18.0.1');
    expect(truncateMiddle('abcdefghij', 5)).toBe('ab…ij');
    expect(truncateMiddle('abcdefghij', 6)).toBe('abc…ij');
    expect(truncateMiddle('abcdefghij', 1)).toBe('…');
    expect(truncateMiddle('abcdefghij', 0)).toBe('');
  });
});

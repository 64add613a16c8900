import { describe, expect, it } from 'vitest';
import { isCauseId } from '../../../shared/common/causes/catalog';
import { causeDefinitions } from '../../../shared/common/causes/definitions';
import { TreeDataError, evaluate } from '../../../shared/common/tree/evaluate';
import { addressResults, listenerCovers, overallOutcome } from '../../../shared/common/tree/facts';
import { treeNodes } from '../../../shared/common/tree/nodes';
import type { NodeId, TreeNode } from '../../../shared/common/tree/types';
import { addr, attempt, expectVerdict, expectWellFormed, facts, failedResolution, listener, listenerTable, resolved, rounds, unavailableTable } from './factories';
import type { VerdictCase } from './factories';

type Case = VerdictCase;

const REDIS_DENIED = '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.\r\n';
const LOCAL = ['T0', 'T1', 'T2', 'T3', 'T4'] as NodeId[];
const REMOTE_REFUSED = ['T0', 'T1', 'T2', 'T3', 'T6'] as NodeId[];

const cases: Case[] = [
  {
    name: 'name does not exist -> dns-failure (high)',
    facts: facts('db.example.com:5432', failedResolution('db.example.com', 'ENOTFOUND'), []),
    path: ['T0'],
    cause: 'dns-failure',
    confidence: 'high',
    reason: /ENOTFOUND/,
  },
  {
    name: 'resolver timeout -> dns-failure (medium)',
    facts: facts('db.example.com:5432', failedResolution('db.example.com', 'EAI_AGAIN'), []),
    path: ['T0'],
    cause: 'dns-failure',
    confidence: 'medium',
  },
  {
    name: 'every address connected -> not-reproduced',
    facts: facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10'), addr('2001:db8::10')]), [
      ...rounds('192.0.2.10', 'connected', 'connected'),
      ...rounds('2001:db8::10', 'connected', 'connected'),
    ]),
    path: ['T0', 'T1', 'T5'],
    cause: 'not-reproduced',
    confidence: 'high',
    reason: /192\.0\.2\.10:5432, \[2001:db8::10\]:5432/,
  },
  {
    name: 'local 127.0.0.1 refused, /proc shows nothing on the port -> service-not-running (high)',
    facts: facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1', { sources: ['literal'] })]), rounds('127.0.0.1', 'refused', 'refused'), {
      localListeners: listenerTable(listener('0.0.0.0', 22), listener('127.0.0.1', 5433)),
    }),
    path: LOCAL,
    cause: 'service-not-running',
    confidence: 'high',
    reason: /Nothing listens on port 5432/,
  },
  {
    name: 'local refused, empty listener table -> service-not-running (high)',
    facts: facts('localhost:3000', resolved('localhost', [addr('127.0.0.1', { sources: ['hosts-file'] })]), rounds('127.0.0.1', 'refused', 'refused'), {
      localListeners: listenerTable(),
    }),
    path: LOCAL,
    cause: 'service-not-running',
    confidence: 'high',
  },
  {
    name: 'local refused, listener table unavailable -> service-not-running (medium)',
    facts: facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1')]), rounds('127.0.0.1', 'refused'), { localListeners: unavailableTable }),
    path: LOCAL,
    cause: 'service-not-running',
    confidence: 'medium',
    reason: /not supported yet/,
  },
  {
    name: 'local refused, listener table not collected -> service-not-running (medium)',
    facts: facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1')]), rounds('127.0.0.1', 'refused'), { localListeners: null }),
    path: LOCAL,
    cause: 'service-not-running',
    confidence: 'medium',
  },
  {
    name: 'localhost: ::1 refused, 127.0.0.1 connected -> localhost-resolution-mismatch',
    facts: facts(
      'localhost:3000',
      resolved('localhost', [addr('::1', { sources: ['hosts-file'] }), addr('127.0.0.1', { sources: ['hosts-file'] })]),
      [...rounds('::1', 'refused', 'refused'), ...rounds('127.0.0.1', 'connected', 'connected')],
      { localListeners: listenerTable(listener('127.0.0.1', 3000)) },
    ),
    path: LOCAL,
    cause: 'localhost-resolution-mismatch',
    confidence: 'high',
    reason: /127\.0\.0\.1:3000 connects but \[::1\]:3000 is refused/,
  },
  {
    name: 'localhost: 127.0.0.1 refused, ::1 connected (the reverse) -> localhost-resolution-mismatch',
    facts: facts('localhost:3000', resolved('localhost', [addr('::1'), addr('127.0.0.1')]), [...rounds('::1', 'connected'), ...rounds('127.0.0.1', 'refused')], {
      localListeners: null,
    }),
    path: LOCAL,
    cause: 'localhost-resolution-mismatch',
  },
  {
    name: 'literal ::1 refused, listener on 127.0.0.1 only -> localhost-resolution-mismatch',
    facts: facts('[::1]:8080', resolved('::1', [addr('::1', { sources: ['literal'] })]), rounds('::1', 'refused', 'refused'), {
      localListeners: listenerTable(listener('127.0.0.1', 8080), listener('0.0.0.0', 22)),
    }),
    path: LOCAL,
    cause: 'localhost-resolution-mismatch',
    confidence: 'high',
    reason: /127\.0\.0\.1:8080 only/,
  },
  {
    name: 'a 0.0.0.0 listener covers the refused 127.0.0.1 -> client-local-block',
    facts: facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1')]), rounds('127.0.0.1', 'refused', 'refused'), {
      localListeners: listenerTable(listener('0.0.0.0', 5432)),
    }),
    path: LOCAL,
    cause: 'client-local-block',
    confidence: 'medium',
    reason: /0\.0\.0\.0:5432 is listening/,
  },
  {
    name: 'a listener on exactly the refused address -> client-local-block',
    facts: facts('[::1]:5432', resolved('::1', [addr('::1')]), rounds('::1', 'refused'), { localListeners: listenerTable(listener('::1', 5432)) }),
    path: LOCAL,
    cause: 'client-local-block',
  },
  {
    name: 'listener on a different specific loopback address -> bind-wrong-interface-ip',
    facts: facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1')]), rounds('127.0.0.1', 'refused', 'refused'), {
      localListeners: listenerTable(listener('127.0.0.2', 5432)),
    }),
    path: LOCAL,
    cause: 'bind-wrong-interface-ip',
    confidence: 'high',
    reason: /127\.0\.0\.2:5432, not on 127\.0\.0\.1:5432/,
  },
  {
    name: "own interface address refused, listener on 127.0.0.1 -> bind-wrong-interface-ip",
    facts: facts('192.0.2.2:5432', resolved('192.0.2.2', [addr('192.0.2.2', { localInterface: 'eth0' })]), rounds('192.0.2.2', 'refused'), {
      localListeners: listenerTable(listener('127.0.0.1', 5432)),
    }),
    path: LOCAL,
    cause: 'bind-wrong-interface-ip',
  },
  {
    name: 'a listener bound to a device does not cover the address -> bind-wrong-interface-ip',
    facts: facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1')]), rounds('127.0.0.1', 'refused'), {
      localListeners: listenerTable(listener('0.0.0.0', 5432, { device: 'eth0' })),
    }),
    path: LOCAL,
    cause: 'bind-wrong-interface-ip',
  },
  {
    name: 'remote: every address refused every round -> inconclusive via T6, T9, T10',
    facts: facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10'), addr('2001:db8::10')]), [
      ...rounds('192.0.2.10', 'refused', 'refused'),
      ...rounds('2001:db8::10', 'refused', 'refused'),
    ]),
    path: [...REMOTE_REFUSED, 'T7', 'T9', 'T10', 'T60'],
    cause: 'inconclusive',
    candidates: ['service-not-running', 'bind-loopback-only', 'bind-wrong-interface-ip', 'iptables-reject'],
    missing: /ss -Htlnpe 'sport = :5432'/,
    reason: /refuses db\.example\.com:5432 consistently/,
  },
  {
    name: 'remote: only IPv6 refused, IPv4 connects -> inconclusive, aaaa-without-ipv6-listener',
    facts: facts('www.example.com:443', resolved('www.example.com', [addr('2001:db8::10'), addr('192.0.2.10')]), [
      ...rounds('2001:db8::10', 'refused', 'refused'),
      ...rounds('192.0.2.10', 'connected', 'connected'),
    ]),
    path: [...REMOTE_REFUSED, 'T6a'],
    cause: 'inconclusive',
    candidates: ['aaaa-without-ipv6-listener'],
    notCandidates: ['v6only-listener-ipv4-refused', 'dns-wrong-target'],
    missing: /sport = :443/,
    reason: /Only IPv6 fails/,
  },
  {
    name: 'remote: only IPv4 refused, IPv6 connects -> inconclusive, v6only-listener-ipv4-refused',
    facts: facts('www.example.com:443', resolved('www.example.com', [addr('2001:db8::10'), addr('192.0.2.10')]), [
      ...rounds('2001:db8::10', 'connected'),
      ...rounds('192.0.2.10', 'refused'),
    ]),
    path: [...REMOTE_REFUSED, 'T6b'],
    cause: 'inconclusive',
    candidates: ['v6only-listener-ipv4-refused'],
    notCandidates: ['aaaa-without-ipv6-listener'],
  },
  {
    name: 'remote: two IPv4 addresses disagree -> inconclusive, dns-wrong-target',
    facts: facts('api.example.com:8443', resolved('api.example.com', [addr('192.0.2.10'), addr('192.0.2.11')]), [
      ...rounds('192.0.2.10', 'refused', 'refused'),
      ...rounds('192.0.2.11', 'connected', 'connected'),
    ]),
    path: REMOTE_REFUSED,
    cause: 'inconclusive',
    candidates: ['dns-wrong-target', 'lb-or-proxy-backend-down'],
    notCandidates: ['aaaa-without-ipv6-listener'],
    missing: /Which addresses api\.example\.com should have/,
  },
  {
    name: 'one address refused then connected -> T50 intermittent',
    facts: facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10')]), rounds('192.0.2.10', 'refused', 'connected', 'refused')),
    path: ['T0', 'T1', 'T50', 'T51'],
    cause: 'inconclusive',
    candidates: ['service-crash-loop', 'restart-reload-gap', 'ban-or-rate-limit'],
    step: ['T50', /192\.0\.2\.10 r1 refused, 192\.0\.2\.10 r2 connected, 192\.0\.2\.10 r3 refused/],
  },
  {
    name: 'local address with mixed statuses also goes to T50 (before T4)',
    facts: facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1')]), rounds('127.0.0.1', 'connected', 'refused'), {
      localListeners: listenerTable(),
    }),
    path: ['T0', 'T1', 'T50', 'T51'],
    cause: 'inconclusive',
  },
  {
    name: 'fast "no route to host" -> T20 firewall candidates',
    facts: facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10')]), rounds('192.0.2.10', ['unreachable', { ms: 2.1 }], ['unreachable', { ms: 2.4 }])),
    path: ['T0', 'T1', 'T20'],
    cause: 'inconclusive',
    candidates: ['firewalld-reject', 'iptables-reject', 'nftables-reject'],
    notCandidates: ['dnat-dead-backend'],
    missing: /firewall-cmd --state/,
    reason: /after 2\.\d+ ms: typical of a firewall/,
    step: ['T1', /Not a refusal: EHOSTUNREACH from 192\.0\.2\.10:5432/],
  },
  {
    name: 'fast EACCES (ICMPv6 admin-prohibited) -> T20 firewall candidates',
    facts: facts('[2001:db8::10]:5432', resolved('2001:db8::10', [addr('2001:db8::10')]), rounds('2001:db8::10', ['unreachable', { errno: 'EACCES', ms: 1 }])),
    path: ['T0', 'T1', 'T20'],
    cause: 'inconclusive',
    candidates: ['firewalld-reject'],
    step: ['T1', /EACCES/],
  },
  {
    name: 'slow "no route to host" (3 s, ARP failure) -> T20 dead-backend candidates',
    facts: facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10')]), rounds('192.0.2.10', ['unreachable', { ms: 3010 }], ['unreachable', { ms: 3050 }])),
    path: ['T0', 'T1', 'T20'],
    cause: 'inconclusive',
    candidates: ['dnat-dead-backend', 'dns-wrong-target'],
    notCandidates: ['firewalld-reject'],
  },
  {
    name: 'exactly 2500 ms counts as slow',
    facts: facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10')]), rounds('192.0.2.10', ['unreachable', { ms: 2500 }])),
    path: ['T0', 'T1', 'T20'],
    cause: 'inconclusive',
    candidates: ['dnat-dead-backend'],
  },
  {
    name: 'just under 2500 ms counts as fast',
    facts: facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10')]), rounds('192.0.2.10', ['unreachable', { ms: 2499 }])),
    path: ['T0', 'T1', 'T20'],
    cause: 'inconclusive',
    candidates: ['firewalld-reject'],
  },
  {
    name: 'accepted then Redis DENIED banner -> bind-loopback-only',
    facts: facts('cache.example.com:6379', resolved('cache.example.com', [addr('192.0.2.20')]), rounds('192.0.2.20', ['reset', { errno: 'EOF', banner: REDIS_DENIED }], ['reset', { errno: 'EOF', banner: REDIS_DENIED }])),
    path: ['T0', 'T1', 'T30'],
    cause: 'bind-loopback-only',
    confidence: 'high',
    reason: /192\.0\.2\.20:6379 answered "DENIED Redis/,
  },
  {
    name: 'accepted then reset, no banner -> inconclusive at T30',
    facts: facts('app.example.com:8080', resolved('app.example.com', [addr('192.0.2.30')]), rounds('192.0.2.30', 'reset', 'reset')),
    path: ['T0', 'T1', 'T30'],
    cause: 'inconclusive',
    candidates: ['lb-or-proxy-backend-down', 'tcp-wrappers-deny', 'container-app-binds-loopback'],
    reason: /accepted and then reset by the peer\.$/,
  },
  {
    name: 'accepted then closed after an SSH banner -> inconclusive at T30, banner quoted',
    facts: facts('git.example.com:22', resolved('git.example.com', [addr('192.0.2.31')]), rounds('192.0.2.31', ['reset', { errno: 'EOF', banner: 'SSH-2.0-OpenSSH_9.2p1\r\n' }])),
    path: ['T0', 'T1', 'T30'],
    cause: 'inconclusive',
    candidates: ['tcp-wrappers-deny'],
    reason: /closed by the peer after it sent "SSH-2\.0-OpenSSH_9\.2p1/,
  },
  {
    name: 'every attempt timed out -> timeout-filtered',
    facts: facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10'), addr('2001:db8::10')]), [
      ...rounds('192.0.2.10', 'timeout', 'timeout'),
      ...rounds('2001:db8::10', 'timeout', 'timeout'),
    ]),
    path: ['T0', 'T1', 'T40'],
    cause: 'timeout-filtered',
    confidence: 'medium',
    reason: /3000 ms/,
  },
  {
    name: 'a proxy in the environment is noted at T2',
    facts: facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.10')]), rounds('192.0.2.10', 'refused'), {
      proxy: { variables: [{ name: 'ALL_PROXY', value: 'socks5://proxy.corp:1080' }], proxyForTarget: 'socks5://proxy.corp:1080', noProxyMatch: null },
    }),
    path: [...REMOTE_REFUSED, 'T7', 'T9', 'T10', 'T60'],
    cause: 'inconclusive',
  },
];

describe('evaluate: facts -> path and verdict', () => {
  it.each(cases)('$name', expectVerdict);

  it.each(cases)('$name: the path is well formed and every id exists', (c) => expectWellFormed(c.facts));

  it('T2 names the proxy that applications would use', () => {
    const c = cases.find((x) => x.name.startsWith('a proxy in the environment'));
    const t2 = evaluate(c!.facts).path.find((s) => s.node === 'T2');
    expect(t2?.reason).toContain('ALL_PROXY is set');
    expect(t2?.reason).toContain('socks5://proxy.corp:1080');
  });

  it('every candidate any node can name is a catalog id', () => {
    // Call every node's decide directly with facts that reach its inconclusive branches.
    for (const c of cases) {
      for (const node of Object.values(treeNodes)) {
        let decision;
        try {
          decision = node.decide(c.facts);
        } catch {
          continue; // a node outside this case's path may assume facts it never sees
        }
        if (decision.kind === 'inconclusive') for (const id of decision.candidates) expect(isCauseId(id), `${node.id}: ${id}`).toBe(true);
        if (decision.kind === 'next') expect(treeNodes[decision.node], `${node.id} -> ${decision.node}`).toBeDefined();
        if (decision.kind === 'leaf') expect(decision.cause in causeDefinitions, `${node.id}: ${decision.cause}`).toBe(true);
      }
    }
  });
});

describe('evaluate: per-address differences are not intermittency', () => {
  it('IPv4 connects every round, IPv6 times out every round: no step claims the results changed between probes', () => {
    const f = facts('www.example.com:443', resolved('www.example.com', [addr('2001:db8::10'), addr('192.0.2.10')]), [
      ...rounds('2001:db8::10', 'timeout', 'timeout'),
      ...rounds('192.0.2.10', 'connected', 'connected'),
    ]);
    const { path, verdict } = evaluate(f);
    // Each address answered the same way every round (catalog T6: "results differ per address"),
    // so T50 "Intermittent refusals" and its crash-loop candidates do not apply.
    expect(path.map((s) => s.node)).not.toContain('T50');
    expect(verdict.reason).not.toMatch(/changed between probes/);
  });
});

describe('evaluate: never loops', () => {
  it('stops inconclusive when the tree data contains a cycle', () => {
    const back: TreeNode = { ...treeNodes.T1, branches: [...treeNodes.T1.branches, 'T0'], decide: () => ({ kind: 'next', node: 'T0', reason: 'back to the start (test cycle)' }) };
    const nodes = { ...treeNodes, T1: back };
    const f = cases[2]!.facts;
    const { path, verdict } = evaluate(f, { nodes });
    expect(path.map((s) => s.node)).toEqual(['T0', 'T1']);
    expect(verdict).toMatchObject({ cause: 'inconclusive', confidence: 'low', candidates: [] });
    expect(verdict.reason).toContain('returned to T0');
  });

  it('stops on a self-loop too', () => {
    const self: TreeNode = { ...treeNodes.T0, branches: ['T0', 'T1'], decide: () => ({ kind: 'next', node: 'T0', reason: 'again' }) };
    const { path, verdict } = evaluate(cases[2]!.facts, { nodes: { ...treeNodes, T0: self } });
    expect(path).toHaveLength(1);
    expect(verdict.cause).toBe('inconclusive');
  });

  it('refuses a decision its node does not declare as a branch (a bug in the tree data)', () => {
    const stray: TreeNode = { ...treeNodes.T0, decide: () => ({ kind: 'next', node: 'T13', reason: 'skipping ahead' }) };
    expect(() => evaluate(cases[2]!.facts, { nodes: { ...treeNodes, T0: stray } })).toThrow(TreeDataError);
  });
});

describe('facts helpers', () => {
  it('addressResults folds attempts per address into one status, mixed or not-probed', () => {
    const f = facts('db.example.com:5432', resolved('db.example.com', [addr('192.0.2.1'), addr('192.0.2.2'), addr('192.0.2.3')]), [
      ...rounds('192.0.2.1', 'refused', 'refused'),
      ...rounds('192.0.2.2', 'refused', 'timeout'),
    ]);
    expect(addressResults(f).map((r) => [r.address.address, r.status, r.attempts.length])).toEqual([
      ['192.0.2.1', 'refused', 2],
      ['192.0.2.2', 'mixed', 2],
      ['192.0.2.3', 'not-probed', 0],
    ]);
  });

  it('overallOutcome', () => {
    const one = resolved('h', [addr('192.0.2.1')]);
    expect(overallOutcome(facts('h:1', failedResolution('h'), []))).toBe('dns-failure');
    expect(overallOutcome(facts('h:1', one, rounds('192.0.2.1', 'refused', 'refused')))).toBe('refused');
    expect(overallOutcome(facts('h:1', one, rounds('192.0.2.1', 'refused', 'connected')))).toBe('mixed');
    expect(overallOutcome(facts('h:1', one, [attempt('192.0.2.1', 'timeout')]))).toBe('timeout');
  });

  it.each([
    ['0.0.0.0', {}, '127.0.0.1', true],
    ['127.0.0.1', {}, '127.0.0.1', true],
    ['127.0.0.1', {}, '::1', false],
    ['::', {}, '::1', true],
    ['::', { v6only: null }, '127.0.0.1', true],
    ['::', { v6only: false }, '127.0.0.1', true],
    ['::', { v6only: true }, '127.0.0.1', false],
    ['0.0.0.0', {}, '::1', false],
    ['::ffff:127.0.0.1', {}, '127.0.0.1', true],
    ['0.0.0.0', { device: 'lo' }, '127.0.0.1', false],
    ['127.0.0.2', {}, '127.0.0.1', false],
  ] as const)('listenerCovers(%s %j, %s) = %s', (listenAddress, over, address, expected) => {
    expect(listenerCovers(listener(listenAddress, 80, over), addr(address))).toBe(expected);
  });
});

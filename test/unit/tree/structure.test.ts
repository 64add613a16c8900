import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { shellQuote } from '../../../shared/common/shell';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { causeIndex, isCauseId, type CauseId } from '../../../shared/common/causes/catalog';
import type { Answers } from '../../../shared/common/schema/answers';
import type { ConnectStatus } from '../../../shared/common/schema/probe';
import { checkAnswers, evaluate, fillCommand } from '../../../shared/common/tree/evaluate';
import { timelinePattern } from '../../../shared/common/tree/symptom-nodes';
import { ROOT_NODE, treeNodes } from '../../../shared/common/tree/nodes';
import { isNodeId, NODE_IDS, type Branch, type NodeId } from '../../../shared/common/tree/types';
import { addr, facts, listener, listenerTable, resolved, rounds } from './factories';
import { listeners, owns, remote, rules, selfProbe, service, signature, snapshot, correlation, culprit } from './remote-factories';

const nodes = Object.values(treeNodes);
const branchesOf = (id: NodeId): readonly Branch[] => treeNodes[id].branches;

describe('the tree as data', () => {
  it('holds every node of catalog §3, T0 to T60 with T6a and T6b: 33 of them, keyed by their own id', () => {
    expect(NODE_IDS).toHaveLength(33);
    expect(Object.keys(treeNodes).sort()).toEqual([...NODE_IDS].sort());
    for (const [key, node] of Object.entries(treeNodes)) expect(node.id).toBe(key);
  });

  it.each(nodes.map((n) => [n.id, n] as const))('%s has a title, a why, checks and a manual question with answers', (_id, node) => {
    expect(node.title.trim()).not.toBe('');
    expect(node.why.trim().length).toBeGreaterThan(20);
    expect(node.checks.length).toBeGreaterThan(0);
    expect(node.manual.question.trim()).not.toBe('');
    expect(node.manual.choices.length).toBeGreaterThanOrEqual(2);
    const ids = node.manual.choices.map((c) => c.id);
    expect(new Set(ids).size, 'choice ids are unique').toBe(ids.length);
    for (const choice of node.manual.choices) {
      expect(choice.label.trim()).not.toBe('');
      expect(node.branches, `${node.id} choice ${choice.id}`).toContain(choice.leadsTo);
    }
    if (node.manual.paste) {
      expect(Object.values(node.manual.paste.commands).length).toBeGreaterThan(0);
      for (const command of Object.values(node.manual.paste.commands)) expect(command?.trim()).not.toBe('');
    }
  });

  it('every branch is a node of the tree or a catalog id', () => {
    for (const node of nodes) for (const b of node.branches) expect(isNodeId(b) || isCauseId(b), `${node.id} -> ${b}`).toBe(true);
  });

  it('every node is reachable from the root', () => {
    const seen = new Set<NodeId>([ROOT_NODE]);
    const queue: NodeId[] = [ROOT_NODE];
    while (queue.length > 0) {
      for (const b of branchesOf(queue.shift()!)) {
        if (isNodeId(b) && !seen.has(b)) {
          seen.add(b);
          queue.push(b);
        }
      }
    }
    expect([...NODE_IDS].filter((id) => !seen.has(id))).toEqual([]);
  });

  it('every cause of the catalog is a leaf somewhere (including the extra leaves)', () => {
    const leaves = new Set(nodes.flatMap((n) => n.branches.filter((b): b is CauseId => isCauseId(b))));
    expect(causeIndex.map((c) => c.id).filter((id) => !leaves.has(id))).toEqual([]);
  });

  it('has no cycles: following branches never returns to a node', () => {
    const state = new Map<NodeId, 'open' | 'done'>();
    const cycle: NodeId[] = [];
    const visit = (id: NodeId, trail: NodeId[]): boolean => {
      if (state.get(id) === 'done') return false;
      if (state.get(id) === 'open') {
        cycle.push(...trail, id);
        return true;
      }
      state.set(id, 'open');
      for (const b of branchesOf(id)) if (isNodeId(b) && visit(b, [...trail, id])) return true;
      state.set(id, 'done');
      return false;
    };
    for (const id of NODE_IDS) visit(id, []);
    expect(cycle).toEqual([]);
  });

  it('every manual answer leads to a leaf: from each choice a walk over branches ends at a catalog id', () => {
    const leadsToLeaf = (b: Branch, seen = new Set<NodeId>()): boolean => {
      if (isCauseId(b)) return true;
      if (seen.has(b)) return false;
      seen.add(b);
      return branchesOf(b).some((x) => leadsToLeaf(x, seen));
    };
    for (const node of nodes) for (const c of node.manual.choices) expect(leadsToLeaf(c.leadsTo), `${node.id}/${c.id}`).toBe(true);
  });
});

describe('checkAnswers', () => {
  it('accepts choices, pastes and overrides the tree allows', () => {
    const answers: Answers = { T2: { choice: 'direct' }, T13: { paste: 'LISTEN 0 128 127.0.0.1:5432 0.0.0.0:*' }, T9: { override: { to: 'T50', reason: 'it fails only at night' } } };
    expect(checkAnswers(answers)).toEqual([]);
  });

  it('names each problem: an unknown step, an answer the step lacks, a paste where none is asked, an override off the branches', () => {
    const errors = checkAnswers({ T99: { choice: 'x' }, T2: { choice: 'maybe' }, T9: { paste: 'x', override: { to: 'bind-loopback-only', reason: 'sure' } } });
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/^T99: not a step/);
    expect(errors[1]).toMatch(/^T2: "maybe" is not an answer to this step; the answers are proxy, ssh-tunnel, direct/);
    expect(errors[2]).toMatch(/^T9: this step takes no pasted output/);
    expect(errors[3]).toMatch(/^T9: cannot override to "bind-loopback-only"/);
  });
});

// Random facts and random answers: whatever they are, the walk ends, every step follows a declared
// branch, and it never throws. This is what makes overrides safe to offer at every step.
const statusArb = fc.constantFrom<ConnectStatus>('refused', 'connected', 'timeout', 'unreachable', 'reset');
const addressArb = fc.subarray(['198.18.0.2', '198.18.0.3', '2001:2::2', '127.0.0.1'], { minLength: 1 });
const remoteArb = fc.option(
  fc.record({
    listenerSet: fc.constantFrom([], [listener('127.0.0.1', 5432)], [listener('0.0.0.0', 5432)], [listener('::', 5432, { v6only: true })], [listener('0.0.0.0', 5432, { processes: [{ name: 'docker-proxy', pid: 7 }] })]),
    svc: fc.constantFrom(null, service(), service({ activeState: 'failed', subState: 'failed', result: 'exit-code' }), service({ subState: 'auto-restart', nRestarts: 4 }), service({ signatures: [signature('port-in-use', 'bind: Address already in use')] })),
    fw: fc.constantFrom([], [snapshot('iptables-nft', [rules.tcpReset])], [snapshot('iptables-nft', [rules.f2b])]),
    counted: fc.boolean(),
    self: fc.constantFrom([], [selfProbe('127.0.0.1', 'open')], [selfProbe('127.0.0.1', 'refused')]),
    owned: fc.constantFrom(null, true, false),
  }),
  { nil: null },
);
const answersArb = fc.dictionary(
  fc.constantFrom(...NODE_IDS),
  fc.oneof(
    fc.constant('choice' as const),
    fc.constant('override' as const),
  ),
  { maxKeys: 6 },
);

describe('evaluate on random facts and answers', () => {
  it('always ends, follows declared branches only, and never throws', () => {
    fc.assert(
      fc.property(addressArb, fc.array(statusArb, { minLength: 1, maxLength: 3 }), remoteArb, answersArb, fc.nat(), (addresses, statuses, r, answerKinds, seed) => {
        const probes = addresses.flatMap((a, i) => rounds(a, ...statuses.map((s, j) => statuses[(i + j) % statuses.length] ?? s)));
        const server = r
          ? remote({
              listeners: listeners(...r.listenerSet),
              service: r.svc,
              selfProbes: [...r.self],
              ownership: r.owned === null ? [] : addresses.map((a) => owns(a, r.owned)),
              firewall: { snapshots: [...r.fw] },
              correlation: r.counted && r.fw[0] ? correlation([culprit(r.fw[0].rules[0]!)]) : null,
            })
          : null;
        const f = facts('db.example.com:5432', resolved('db.example.com', addresses.map((a) => addr(a, { loopback: a === '127.0.0.1' }))), probes, {
          remote: server,
          localListeners: listenerTable(listener('127.0.0.1', 5432)),
        });
        const answers: Answers = {};
        Object.entries(answerKinds).forEach(([id, kind], i) => {
          const node = treeNodes[id as NodeId];
          if (kind === 'choice') answers[id] = { choice: node.manual.choices[(seed + i) % node.manual.choices.length]!.id };
          else answers[id] = { override: { to: node.branches[(seed + i) % node.branches.length]!, reason: 'a person knows better' } };
        });
        expect(checkAnswers(answers)).toEqual([]);
        const { path, verdict } = evaluate(f, { answers });
        expect(path[0]?.node).toBe(ROOT_NODE);
        expect(new Set(path.map((s) => s.node)).size).toBe(path.length);
        for (const step of path) {
          expect(treeNodes[step.node as NodeId].branches).toContain(step.next);
          if (step.by === 'override') expect(step.overrideReason).toBe('a person knows better');
        }
        expect(isCauseId(verdict.cause)).toBe(true);
        expect(path.at(-1)?.next).toBe(verdict.cause);
      }),
      { numRuns: 300 },
    );
  });
});

describe('docs/decision-tree.md', () => {
  const doc = readFileSync(new URL('../../../docs/decision-tree.md', import.meta.url), 'utf8');
  it.each(nodes.map((n) => [n.id, n] as const))('lists %s with its title and branches as the data has them', (_id, node) => {
    expect(doc).toContain(`| ${node.id} | ${node.title} | ${node.branches.map((b) => `\`${b}\``).join(', ')} |`);
  });
});

describe('answers meet the evidence', () => {
  const intermittent = facts('db.example.com:5432', resolved('db.example.com', [addr('198.18.0.2')]), rounds('198.18.0.2', 'connected', 'refused', 'connected'));
  const closedLocal = facts('127.0.0.1:5432', resolved('127.0.0.1', [addr('127.0.0.1', { loopback: true })]), rounds('127.0.0.1', 'refused'), { localListeners: listenerTable() });

  it('a step the evidence cannot settle takes the answer: intermittent refusals that follow a knock', () => {
    const { path, verdict } = evaluate(intermittent, { answers: { T50: { choice: 'after-knock' } } });
    expect(path.map((s) => s.node)).toEqual(['T0', 'T1', 'T50']);
    expect(path.at(-1)).toMatchObject({ by: 'answer', next: 'port-knocking' });
    expect(verdict).toMatchObject({ cause: 'port-knocking', confidence: 'medium' });
  });

  it('where the evidence decides, an answer is not used, and the step says so', () => {
    const { path, verdict } = evaluate(closedLocal, { answers: { T4: { choice: 'running' } } });
    expect(verdict.cause).toBe('service-not-running');
    expect(path.at(-1)).toMatchObject({ node: 'T4', by: 'evidence' });
    expect(path.at(-1)?.reason).toContain('A person answered "It runs and listens on every address", but the evidence decided; override this step to go against it.');
  });

  it('an override goes against the evidence, and both are recorded', () => {
    const { path, verdict } = evaluate(closedLocal, { answers: { T4: { override: { to: 'other-netns-listener', reason: 'it runs in WSL' } } } });
    expect(path.at(-1)).toMatchObject({ node: 'T4', by: 'override', automatic: 'service-not-running', overrideReason: 'it runs in WSL', next: 'other-netns-listener' });
    expect(verdict).toMatchObject({ cause: 'other-netns-listener', confidence: 'low' });
  });
});

describe('timelinePattern: how one address changed over the spaced probes', () => {
  const at = (address: string, ...statuses: ConnectStatus[]) => rounds(address, ...statuses).map((a, i) => ({ ...a, startedAt: 1000 * (i + 1) }));
  it.each([
    [['refused', 'refused', 'refused'], 'steady'],
    [['connected', 'connected', 'refused'], 'became-failing'],
    [['connected', 'timeout', 'timeout'], 'became-failing'],
    [['refused', 'connected', 'connected'], 'recovered'],
    [['refused', 'connected', 'refused'], 'flapping'],
  ] as const)('%j -> %s', (statuses, want) => {
    expect(timelinePattern(at('198.18.0.2', ...statuses))).toBe(want);
  });

  it('orders by start time, not by the order the attempts arrived in', () => {
    const attempts = at('198.18.0.2', 'connected', 'refused').reverse();
    expect(timelinePattern(attempts)).toBe('became-failing');
  });

  it('T50 names an address that connected first and failed after, then asks who else sees it', () => {
    const f = facts('db.example.com:5432', resolved('db.example.com', [addr('198.18.0.2')]), at('198.18.0.2', 'connected', 'connected', 'refused'));
    const { path, pending } = evaluate(f);
    expect(path.map((s) => s.node)).toEqual(['T0', 'T1', 'T50', 'T51']);
    expect(path[2]?.reason).toMatch(/198\.18\.0\.2:5432 \(connected ×2, refused ×1\) connected first and failed after/);
    expect(pending?.node).toBe('T51');
  });
});

describe('the commands a person is asked to run', () => {
  const withService = (serviceHint: string | null) => ({ target: { host: 'db.example.com', port: 5432, hostKind: 'name' as const }, serviceHint });

  it('fill the port, and name the service by its unit, as one shell word, the same way as the fix does', () => {
    const command = treeNodes.T15.manual.paste!.commands.linux!;
    const show = (hint: string | null) => fillCommand(command, withService(hint)).split(' -p ')[0];
    // A plain word needs no quotes.
    expect(fillCommand(command, withService('postgresql@15-main'))).toBe(
      'systemctl show postgresql@15-main -p Id,LoadState,ActiveState,SubState,Result,UnitFileState,NRestarts,ExecMainStartTimestamp,InactiveExitTimestamp --no-pager; sudo journalctl -u postgresql@15-main -n 100 --no-pager',
    );
    // Another word for a known service is its unit; no hint on a well-known port is that port's service.
    expect(show('pg')).toBe('systemctl show postgresql');
    expect(show(null)).toBe('systemctl show postgresql');
    expect(fillCommand(command, { target: { host: 'db', port: 40123, hostKind: 'name' }, serviceHint: null }).split(' -p ')[0]).toBe('systemctl show SERVICE');
    // A systemd-escaped name is a unit name, and its backslash is quoted for the shell.
    const escaped = 'dev-disk-by\\x2duuid';
    expect(show(escaped)).toBe(`systemctl show ${shellQuote(escaped)}`);
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(escaped)}`], { encoding: 'utf8' })).toBe(escaped);
    // A name no unit could have is never put into the command.
    const name = "x'; touch /tmp/pwned; echo '";
    expect(show(name)).toBe('systemctl show SERVICE');
    expect(fillCommand(command, withService(name))).not.toContain('pwned');
    expect(fillCommand(treeNodes.T13.manual.paste!.commands.linux!, withService(null))).toBe("sudo ss -tlnpe 'sport = :5432'");
  });

  it('every paste command is read-only: no redirection into files, no writes, nothing started or stopped', () => {
    for (const node of nodes) {
      for (const command of Object.values(node.manual.paste?.commands ?? {})) {
        expect(command, node.id).not.toMatch(/(^|[^2&])>(?!\/dev\/null)|\b(rm|mv|cp|tee|kill|restart|start|stop|enable|disable|reload|-A|-I|-D|-F|add|delete|flush)\b/);
      }
    }
  });
});

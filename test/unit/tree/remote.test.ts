/**
 * The server side of the decision tree (catalog §3 T10–T18, T20 and T40 with SSH evidence, §3.1),
 * table-driven: facts in, path node ids, cause, confidence and the evidence the reason cites out.
 */
import { describe, expect, it } from 'vitest';
import { isCauseId } from '../../../shared/common/causes/catalog';
import { causeDefinitions } from '../../../shared/common/causes/definitions';
import type { FirewallRule } from '../../../shared/common/schema/firewall';
import { evaluate } from '../../../shared/common/tree/evaluate';
import type { DiagnosisFacts } from '../../../shared/common/tree/facts';
import { treeNodes } from '../../../shared/common/tree/nodes';
import { causeOfRule, describeRule, remoteNodes } from '../../../shared/common/tree/remote-nodes';
import type { RemoteFacts } from '../../../shared/common/tree/remote-facts';
import type { NodeId } from '../../../shared/common/tree/types';
import type { ConnectStatus, ProbeAttempt } from '../../../shared/common/schema/probe';
import { addr, expectVerdict, expectWellFormed, facts, listener, resolved, rounds, type VerdictCase } from './factories';
import {
  LEGACY_WARNING,
  SERVER,
  baseChain,
  checked,
  correlation,
  culprit,
  iptRule,
  listeners,
  owns,
  policyCulprit,
  remote,
  rules,
  selfProbe,
  service,
  signature,
  snapshot,
  unreadable,
  unreadableListeners,
} from './remote-factories';

type Case = VerdictCase;

const V4 = '192.0.2.10';
const V6 = '2001:db8::10';

/** Every address refused on every round: T0 → T10 is the workstation part. */
const TO_T11: NodeId[] = ['T0', 'T1', 'T2', 'T3', 'T6', 'T7', 'T9', 'T10', 'T11'];
const TO_T13: NodeId[] = [...TO_T11, 'T13'];
const TO_T16: NodeId[] = [...TO_T13, 'T16'];
const TO_T18: NodeId[] = [...TO_T16, 'T17', 'T18'];

/** db.example.com:5432 refused on 2 rounds at each address, with the server's facts. */
function refused(r: RemoteFacts, addresses: string[] = [V4]): DiagnosisFacts {
  return facts('db.example.com:5432', resolved('db.example.com', addresses.map((a) => addr(a))), addresses.flatMap((a) => rounds(a, 'refused', 'refused')), { remote: r });
}

/** Per-address outcomes that differ (catalog T6), with the server's facts. */
function perAddress(r: RemoteFacts, outcomes: [string, ConnectStatus | [ConnectStatus, Partial<ProbeAttempt>]][]): DiagnosisFacts {
  return facts('db.example.com:5432', resolved('db.example.com', outcomes.map(([a]) => addr(a))), outcomes.flatMap(([a, s]) => rounds(a, s, s)), { remote: r });
}

/** The server owns the address and listens on the wildcard: the refusal is a filter's. */
const healthy = (over: Parameters<typeof remote>[0] = {}) =>
  remote({ ownership: [owns(V4)], listeners: listeners(listener('0.0.0.0', 5432, { processes: [{ name: 'postgres', pid: 812 }] })), selfProbes: [selfProbe('127.0.0.1', 'open'), selfProbe(V4, 'open')], ...over });

/** Nothing listens on the port: the service's state decides (T14/T15). */
const stopped = (svc: RemoteFacts['service']) => refused(remote({ ownership: [owns(V4)], listeners: listeners(listener('0.0.0.0', 22)), service: svc }));

const T15_PATH: NodeId[] = [...TO_T13, 'T14', 'T15'];

const cases: Case[] = [
  // ---- T10, T11, T12 -------------------------------------------------------------------------
  {
    name: 'T10 with server evidence -> T11; owned address -> T13',
    facts: refused(remote({ ownership: [owns(V4)], uid: 1000, sudo: true })),
    path: [...TO_T13, 'T14'],
    cause: 'service-not-running',
    step: ['T10', `Logged in to ${SERVER} as uid 1000 (sudo -n allowed)`],
  },
  {
    name: 'T11: the address is not the server\'s -> T12 inconclusive, front-device candidates',
    facts: refused(remote({ ownership: [owns(V4, false)], listeners: listeners(listener('0.0.0.0', 5432)) })),
    path: [...TO_T11, 'T12'],
    cause: 'inconclusive',
    candidates: ['dns-wrong-target', 'dnat-dead-backend', 'lb-or-proxy-backend-down', 'nat-hairpin-or-port-forward-missing'],
    reason: [`an address ${SERVER} does not hold`],
    step: ['T11', `${V4} (ip route get: ${V4} via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0) is not an address of ${SERVER}`],
    missing: /load balancer/,
  },
  {
    name: 'T11: one of two failing addresses is foreign -> T12',
    facts: refused(remote({ ownership: [owns(V4), owns(V6, false)] }), [V4, V6]),
    path: [...TO_T11, 'T12'],
    cause: 'inconclusive',
    step: ['T11', /^2001:db8::10 \(/],
  },
  {
    name: 'T11: ownership unknown (null) -> continues at T13',
    facts: refused(remote({ ownership: [owns(V4, null)] })),
    path: [...TO_T13, 'T14'],
    cause: 'service-not-running',
    step: ['T11', 'Ownership could not be checked (192.0.2.10: no `ip` command on the server)'],
  },
  {
    name: 'T11: no ownership entry for the address -> continues at T13',
    facts: refused(remote({ ownership: [] })),
    path: [...TO_T13, 'T14'],
    cause: 'service-not-running',
    step: ['T11', '(unknown)'],
  },

  // ---- T13 -----------------------------------------------------------------------------------
  {
    name: 'T13: a DNAT rule forwards the port and its counter rose -> dnat-dead-backend (high)',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.dnat])] }, correlation: correlation([culprit(rules.dnat, 3)]) })),
    path: TO_T13,
    cause: 'dnat-dead-backend',
    confidence: 'high',
    reason: ['iptables-nft table nat, chain PREROUTING, rule 2', '--to-destination 10.0.0.99:5432', 'rose by 3'],
  },
  {
    name: 'T13: a DNAT rule forwards the port, no counter -> dnat-dead-backend (medium)',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.dnat])] } })),
    path: TO_T13,
    cause: 'dnat-dead-backend',
    confidence: 'medium',
    reason: ['Port 5432 is forwarded elsewhere by iptables-nft table nat, chain PREROUTING, rule 2: `-A PREROUTING -p tcp'],
  },
  {
    name: 'T13: a DNAT rule wins even when the listener table is unreadable',
    facts: refused(remote({ ownership: [owns(V4)], listeners: unreadableListeners('needs-privilege', 'Permission denied'), firewall: { snapshots: [snapshot('iptables-nft', [rules.dnat])] } })),
    path: TO_T13,
    cause: 'dnat-dead-backend',
  },
  {
    name: 'T13: a DNAT rule for another port is not this port\'s forward',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.dnatOtherPort])] } })),
    path: [...TO_T18, 'T18a', 'T19'],
    cause: 'inconclusive',
  },
  {
    name: 'T13: an ip6tables DNAT does not forward a failing IPv4 address',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('ip6tables-nft', [rules.v6Dnat])] } })),
    path: [...TO_T18, 'T18a', 'T19'],
    cause: 'inconclusive',
  },
  {
    name: 'T13: listener table unreadable -> inconclusive, names the reason and the ss command',
    facts: refused(remote({ ownership: [owns(V4)], listeners: unreadableListeners('needs-privilege', 'ss: Operation not permitted') })),
    path: TO_T13,
    cause: 'inconclusive',
    candidates: ['service-not-running', 'bind-loopback-only', 'bind-wrong-interface-ip'],
    reason: [`could not be read on ${SERVER}: ss: Operation not permitted`],
    missing: /ss -Htlnpe 'sport = :5432'/,
  },
  {
    name: 'T13: listener table failed without a reason -> the status is named',
    facts: refused(remote({ ownership: [owns(V4)], listeners: unreadableListeners('timeout', null, '/proc/net/tcp') })),
    path: TO_T13,
    cause: 'inconclusive',
    reason: [': timeout.'],
  },
  {
    name: 'T13: nothing on the port (other ports only) -> T14',
    facts: refused(remote({ ownership: [owns(V4)], listeners: listeners(listener('0.0.0.0', 22), listener('127.0.0.1', 5433)) })),
    path: [...TO_T13, 'T14'],
    cause: 'service-not-running',
    step: ['T13', `Nothing listens on port 5432 on ${SERVER} (ss -Htlnpe)`],
  },
  {
    name: 'T13: listens on 127.0.0.1 only, the server reaches it -> bind-loopback-only (high)',
    facts: refused(remote({ ownership: [owns(V4)], listeners: listeners(listener('127.0.0.1', 5432)), selfProbes: [selfProbe('127.0.0.1', 'open'), selfProbe(V4, 'refused')] })),
    path: TO_T13,
    cause: 'bind-loopback-only',
    confidence: 'high',
    reason: ['listens on 127.0.0.1:5432 only', 'the server itself connects to 127.0.0.1:5432'],
  },
  {
    name: 'T13: listens on 127.0.0.1 only, no self-probe -> bind-loopback-only, no self-probe claim',
    facts: refused(remote({ ownership: [owns(V4)], listeners: listeners(listener('127.0.0.1', 5432)) })),
    path: TO_T13,
    cause: 'bind-loopback-only',
    confidence: 'high',
    reason: [/listens on 127\.0\.0\.1:5432 only: connections from other machines are refused\.$/],
  },
  {
    name: 'T13: listens on [::1] only -> bind-loopback-only',
    facts: refused(remote({ ownership: [owns(V6)], listeners: listeners(listener('::1', 5432)) }), [V6]),
    path: TO_T13,
    cause: 'bind-loopback-only',
    confidence: 'high',
    reason: ['[::1]:5432 only'],
  },
  {
    name: 'T13: listens on 127.0.0.1 and [::1] -> bind-loopback-only for both families',
    facts: refused(remote({ ownership: [owns(V4), owns(V6)], listeners: listeners(listener('127.0.0.1', 5432), listener('::1', 5432)) }), [V4, V6]),
    path: TO_T13,
    cause: 'bind-loopback-only',
    reason: ['127.0.0.1:5432, [::1]:5432 only'],
  },
  {
    name: 'T13: bound to the device lo (0.0.0.0%lo) -> bind-loopback-only',
    facts: refused(remote({ ownership: [owns(V4)], listeners: listeners(listener('0.0.0.0', 5432, { device: 'lo' })) })),
    path: TO_T13,
    cause: 'bind-loopback-only',
    reason: ['0.0.0.0%lo:5432 only'],
  },
  {
    name: 'T13: a wildcard listener covers the address -> T16',
    facts: refused(healthy({ firewall: { unreadable: [unreadable('iptables-nft')] } })),
    path: [...TO_T16, 'T17'],
    cause: 'host-firewall-suspected',
    step: ['T13', '0.0.0.0:5432 covers 192.0.2.10: a listener is there.'],
  },
  {
    name: 'T13: a listener on exactly the address -> T16',
    facts: refused(healthy({ listeners: listeners(listener(V4, 5432)) })),
    path: [...TO_T16, 'T17'],
    cause: 'host-firewall-suspected',
    step: ['T13', '192.0.2.10:5432 covers 192.0.2.10'],
  },
  {
    name: 'T13: a dual-stack [::] (v6only:0) covers IPv4 -> T16',
    facts: refused(healthy({ listeners: listeners(listener('::', 5432, { v6only: false })) })),
    path: [...TO_T16, 'T17'],
    cause: 'host-firewall-suspected',
  },
  {
    name: 'T13: IPv4 refused, only [::] with v6only:1 -> v6only-listener-ipv4-refused (high)',
    facts: refused(remote({ ownership: [owns(V4)], listeners: listeners(listener('::', 5432, { v6only: true })) })),
    path: TO_T13,
    cause: 'v6only-listener-ipv4-refused',
    confidence: 'high',
    reason: ['[::]:5432 with v6only:1', 'IPv4 (192.0.2.10) is refused'],
  },
  {
    name: 'T13: both families refused, [::] v6only:1 covers IPv6 but not IPv4 -> v6only-listener-ipv4-refused',
    facts: refused(remote({ ownership: [owns(V4), owns(V6)], listeners: listeners(listener('::', 5432, { v6only: true })) }), [V4, V6]),
    path: TO_T13,
    cause: 'v6only-listener-ipv4-refused',
    reason: ['IPv4 (192.0.2.10)'],
  },
  {
    name: 'T13: IPv6 refused, IPv4-only listener -> aaaa-without-ipv6-listener (high)',
    facts: refused(remote({ ownership: [owns(V6)], listeners: listeners(listener('0.0.0.0', 5432)) }), [V6]),
    path: TO_T13,
    cause: 'aaaa-without-ipv6-listener',
    confidence: 'high',
    reason: ['IPv4 only (0.0.0.0:5432)', 'IPv6 (2001:db8::10) is refused'],
  },
  {
    name: 'T13: both families refused, 0.0.0.0 covers IPv4 only -> aaaa-without-ipv6-listener',
    facts: refused(remote({ ownership: [owns(V4), owns(V6)], listeners: listeners(listener('0.0.0.0', 5432)) }), [V4, V6]),
    path: TO_T13,
    cause: 'aaaa-without-ipv6-listener',
    reason: ['IPv6 (2001:db8::10)'],
  },
  {
    name: 'T13: listens on another specific address -> bind-wrong-interface-ip (high)',
    facts: refused(remote({ ownership: [owns(V4)], listeners: listeners(listener('10.0.0.5', 5432)) })),
    path: TO_T13,
    cause: 'bind-wrong-interface-ip',
    confidence: 'high',
    reason: ['listens on 10.0.0.5:5432, which does not cover 192.0.2.10'],
  },
  {
    name: 'T13: bound to another device (0.0.0.0%eth1) -> bind-wrong-interface-ip',
    facts: refused(remote({ ownership: [owns(V4)], listeners: listeners(listener('0.0.0.0', 5432, { device: 'eth1' })) })),
    path: TO_T13,
    cause: 'bind-wrong-interface-ip',
    reason: ['0.0.0.0%eth1:5432'],
  },

  // ---- T14, T15 ------------------------------------------------------------------------------
  {
    name: 'T14: nothing listens and no --service -> service-not-running (medium)',
    facts: stopped(null),
    path: [...TO_T13, 'T14'],
    cause: 'service-not-running',
    confidence: 'medium',
    reason: [`Nothing listens on port 5432 on ${SERVER}`, '--service NAME'],
  },
  {
    name: 'T15: "Address already in use" -> port-in-use-conflict (high), log line quoted',
    facts: stopped(service({ activeState: 'failed', subState: 'failed', result: 'exit-code', signatures: [signature('port-in-use', 'FATAL:  could not bind IPv4 address "0.0.0.0": Address already in use')] })),
    path: T15_PATH,
    cause: 'port-in-use-conflict',
    confidence: 'high',
    reason: ['postgresql.service is failed/failed (Result=exit-code)', '"FATAL:  could not bind IPv4 address "0.0.0.0": Address already in use"'],
    step: ['T14', 'Checking the service postgresql.service: failed/failed'],
  },
  {
    name: 'T15: port in use is named before the restart loop it causes',
    facts: stopped(service({ activeState: 'activating', subState: 'auto-restart', nRestarts: 4, signatures: [signature('port-in-use', 'bind() to 0.0.0.0:5432 failed (98: Address already in use)')] })),
    path: T15_PATH,
    cause: 'port-in-use-conflict',
    reason: ['restarted 4 times', '(98: Address already in use)'],
  },
  {
    name: 'T15: OOM kill line in the log -> service-oom-killed (high)',
    facts: stopped(service({ activeState: 'failed', subState: 'failed', result: 'signal', signatures: [signature('oom-kill', 'Out of memory: Killed process 812 (postgres) total-vm:8388608kB')] })),
    path: T15_PATH,
    cause: 'service-oom-killed',
    confidence: 'high',
    reason: ['killed for lack of memory', 'Killed process 812 (postgres)'],
  },
  {
    name: 'T15: Result=oom-kill without a log line -> service-oom-killed',
    facts: stopped(service({ activeState: 'failed', subState: 'failed', result: 'oom-kill' })),
    path: T15_PATH,
    cause: 'service-oom-killed',
    confidence: 'high',
    reason: ['(Result=oom-kill)'],
  },
  {
    name: 'T15: "Cannot assign requested address" -> bind-address-unavailable (high)',
    facts: stopped(service({ activeState: 'failed', subState: 'failed', result: 'exit-code', signatures: [signature('address-unavailable', 'LOG:  could not bind IPv4 address "10.0.0.7": Cannot assign requested address')] })),
    path: T15_PATH,
    cause: 'bind-address-unavailable',
    confidence: 'high',
    reason: ['Cannot assign requested address'],
  },
  {
    name: 'T15: permission denied at bind -> privileged-port-denied (medium)',
    facts: stopped(service({ unit: 'myapp.service', activeState: 'failed', subState: 'failed', result: 'exit-code', signatures: [signature('permission-denied', 'Error: listen EACCES: permission denied 0.0.0.0:443')] })),
    path: T15_PATH,
    cause: 'privileged-port-denied',
    confidence: 'medium',
    reason: ['myapp.service is failed/failed', 'listen EACCES: permission denied 0.0.0.0:443'],
  },
  {
    name: 'T15: SubState auto-restart -> service-crash-loop (high)',
    facts: stopped(service({ activeState: 'activating', subState: 'auto-restart', result: 'exit-code', nRestarts: 0 })),
    path: T15_PATH,
    cause: 'service-crash-loop',
    confidence: 'high',
    reason: ['postgresql.service is activating/auto-restart (Result=exit-code)'],
  },
  {
    name: 'T15: NRestarts > 0 -> service-crash-loop',
    facts: stopped(service({ activeState: 'failed', subState: 'failed', result: 'exit-code', nRestarts: 5 })),
    path: T15_PATH,
    cause: 'service-crash-loop',
    confidence: 'high',
    reason: ['restarted 5 times'],
  },
  {
    name: 'T15: start-limit line in the log -> service-crash-loop',
    facts: stopped(service({ activeState: 'failed', subState: 'failed', result: 'exit-code', nRestarts: null, signatures: [signature('start-limit', 'postgresql.service: Start request repeated too quickly.')] })),
    path: T15_PATH,
    cause: 'service-crash-loop',
  },
  {
    name: 'T15: Result=start-limit-hit -> service-crash-loop',
    facts: stopped(service({ activeState: 'failed', subState: 'failed', result: 'start-limit-hit', nRestarts: null })),
    path: T15_PATH,
    cause: 'service-crash-loop',
    reason: ['(Result=start-limit-hit)'],
  },
  {
    name: 'T15: activating/start -> service-starting-up (medium)',
    facts: stopped(service({ activeState: 'activating', subState: 'start', unitFileState: 'enabled' })),
    path: T15_PATH,
    cause: 'service-starting-up',
    confidence: 'medium',
    reason: ['postgresql.service is activating/start: still starting.'],
  },
  {
    name: 'T15: inactive/dead, disabled -> service-not-running (high)',
    facts: stopped(service()),
    path: T15_PATH,
    cause: 'service-not-running',
    confidence: 'high',
    reason: ['postgresql.service is inactive/dead (disabled at boot), and nothing listens on port 5432'],
  },
  {
    name: 'T15: failed/failed after an error exit -> service-not-running (high)',
    facts: stopped(service({ activeState: 'failed', subState: 'failed', result: 'exit-code', unitFileState: 'enabled' })),
    path: T15_PATH,
    cause: 'service-not-running',
    confidence: 'high',
    reason: ['failed/failed (Result=exit-code) (enabled at boot)'],
  },
  {
    name: 'T15: unit not found -> service-not-running (high)',
    facts: stopped(service({ unit: 'postgres.service', loadState: 'not-found', activeState: 'inactive', subState: 'dead', unitFileState: '' })),
    path: T15_PATH,
    cause: 'service-not-running',
    confidence: 'high',
    reason: [/^postgres\.service is inactive\/dead, and nothing listens/],
  },
  {
    name: 'T15: active/running yet nothing on the port -> inconclusive, it listens elsewhere',
    facts: stopped(service({ activeState: 'active', subState: 'running', unitFileState: 'enabled' })),
    path: T15_PATH,
    cause: 'inconclusive',
    candidates: ['port-mismatch', 'tcp-disabled-unix-socket-only', 'other-netns-listener'],
    reason: ['postgresql.service is active/running, yet nothing listens on port 5432'],
    missing: /configured port/,
  },

  // ---- T16 -----------------------------------------------------------------------------------
  {
    name: 'T16: both self-probes open -> T17 (only outside traffic is refused)',
    facts: refused(healthy({ firewall: { unreadable: [unreadable('iptables-nft')] } })),
    path: [...TO_T16, 'T17'],
    cause: 'host-firewall-suspected',
    step: ['T16', 'From the server itself: 127.0.0.1:5432 open, 192.0.2.10:5432 open. Only traffic from outside is refused.'],
  },
  {
    name: 'T16: no self-probe could run -> T17',
    facts: refused(healthy({ selfProbes: [], firewall: { unreadable: [unreadable('nft')] } })),
    path: [...TO_T16, 'T17'],
    cause: 'host-firewall-suspected',
    step: ['T16', 'No self-probe could run'],
  },
  {
    name: 'T16: the server refuses itself too -> T17 (a rule that also matches local traffic)',
    facts: refused(healthy({ selfProbes: [selfProbe('127.0.0.1', 'open'), selfProbe(V4, 'refused')], firewall: { snapshots: [snapshot('iptables-nft', [rules.tcpReset])] }, correlation: correlation([culprit(rules.tcpReset, 3)]) })),
    path: TO_T18,
    cause: 'iptables-reject',
    confidence: 'high',
    step: ['T16', '192.0.2.10:5432 refused. A listener is shown, so a firewall rule that also matches local traffic is likely'],
  },
  {
    name: 'T16: self-probes only time out -> inconclusive, another namespace or a restart gap',
    facts: refused(healthy({ selfProbes: [selfProbe('127.0.0.1', 'timeout'), selfProbe(V4, 'timeout')] })),
    path: TO_T16,
    cause: 'inconclusive',
    candidates: ['other-netns-listener', 'restart-reload-gap'],
    reason: ['127.0.0.1:5432 timeout, 192.0.2.10:5432 timeout'],
    missing: /lsns -t net/,
  },
  {
    name: 'T16: self-probes open and error -> inconclusive',
    facts: refused(healthy({ selfProbes: [selfProbe('127.0.0.1', 'open'), selfProbe(V4, 'error')] })),
    path: TO_T16,
    cause: 'inconclusive',
    candidates: ['other-netns-listener'],
    reason: ['192.0.2.10:5432 error'],
  },

  // ---- T17 -----------------------------------------------------------------------------------
  {
    name: 'T17: no rule set readable -> host-firewall-suspected (medium), names what was unreadable',
    facts: refused(healthy({ firewall: { unreadable: [unreadable('iptables-nft'), unreadable('nft', 'error', 'netlink: Error: cache initialization failed')], activeManagers: ['ufw'] } })),
    path: [...TO_T16, 'T17'],
    cause: 'host-firewall-suspected',
    confidence: 'medium',
    reason: ['could not be read (iptables-nft: needs-privilege, nft: error; active: ufw)'],
  },
  {
    name: 'T17: no firewall tool at all -> host-firewall-suspected, says so',
    facts: refused(healthy()),
    path: [...TO_T16, 'T17'],
    cause: 'host-firewall-suspected',
    confidence: 'medium',
    reason: ['(no firewall tool found)'],
  },
  {
    name: 'T17: rule sets read -> T18, lists read and unreadable sets',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort, rules.otherPort])], unreadable: [unreadable('nft')] } })),
    path: [...TO_T18, 'T18a', 'T19'],
    cause: 'inconclusive',
    step: ['T17', 'Rule sets read: iptables-nft (2 rules); unreadable: nft.'],
  },

  // ---- T18: the counter correlation ----------------------------------------------------------
  {
    name: 'T18: an iptables rule counted the probes -> iptables-reject (high), rule and delta cited',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort, rules.tcpReset])] }, correlation: correlation([culprit(rules.tcpReset, 3)]) })),
    path: TO_T18,
    cause: 'iptables-reject',
    confidence: 'high',
    reason: ['iptables-nft table filter, chain INPUT, rule 4: `-A INPUT -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset`', 'rose by 3', 'while 3 probes were sent'],
  },
  {
    name: 'T18: one probe, delta 1 -> "1 probe" in the reason',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-legacy', [{ ...rules.tcpReset, source: 'iptables-legacy' }])] }, correlation: correlation([culprit({ ...rules.tcpReset, source: 'iptables-legacy' }, 1)], [], 1) })),
    path: TO_T18,
    cause: 'iptables-reject',
    reason: ['iptables-legacy table filter', 'rose by 1) while 1 probe were sent'],
  },
  {
    name: 'T18: an nft rule counted the probes -> nftables-reject (high)',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('nft', [rules.nftReset])] }, correlation: correlation([culprit(rules.nftReset, 3)]) })),
    path: TO_T18,
    cause: 'nftables-reject',
    confidence: 'high',
    reason: ['nft inet filter input: `tcp dport 5432 counter packets 3 bytes 180 reject with tcp reset` (its packet counter rose by 3)'],
  },
  {
    name: 'T18: the first (best-ranked) culprit decides',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('nft', [rules.nftReset]), snapshot('iptables-nft', [rules.tcpReset])] }, correlation: correlation([culprit(rules.nftReset, 3), culprit(rules.tcpReset, 4)]) })),
    path: TO_T18,
    cause: 'nftables-reject',
  },
  {
    name: 'T18: a DROP culprit does not explain a refusal; the reject rule does',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.drop, rules.tcpReset])] }, correlation: correlation([culprit(rules.drop, 3), culprit(rules.tcpReset, 3)]) })),
    path: TO_T18,
    cause: 'iptables-reject',
    reason: ['-j REJECT --reject-with tcp-reset'],
  },
  {
    name: 'T18: ufw-user-input counted the probes -> ufw-reject-or-limit (high)',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.ufwInput])], activeManagers: ['ufw'] }, correlation: correlation([culprit(rules.ufwInput, 3)]) })),
    path: TO_T18,
    cause: 'ufw-reject-or-limit',
    confidence: 'high',
    reason: ['chain ufw-user-input', 'rose by 3'],
  },
  {
    name: 'T18: ufw-user-limit counted -> ufw-reject-or-limit',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.ufwLimit])] }, correlation: correlation([culprit(rules.ufwLimit, 2)]) })),
    path: TO_T18,
    cause: 'ufw-reject-or-limit',
    reason: ['chain ufw-user-limit', 'rose by 2'],
  },
  {
    name: 'T18: table inet firewalld counted -> firewalld-reject',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('nft', [rules.nftFirewalld])] }, correlation: correlation([culprit(rules.nftFirewalld, 3)]) })),
    path: TO_T18,
    cause: 'firewalld-reject',
    confidence: 'high',
    reason: ['nft inet firewalld filter_IN_public_reject: `reject with icmpx admin-prohibited`'],
  },
  {
    name: 'T18: firewalld zone chain (iptables backend, IN_public_deny) -> firewalld-reject, without firewalld active',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.firewalldIptables])] }, correlation: correlation([culprit(rules.firewalldIptables, 3)]) })),
    path: TO_T18,
    cause: 'firewalld-reject',
    reason: ['chain IN_public_deny'],
  },
  {
    name: 'T18: a prohibited reject in INPUT with firewalld active -> firewalld-reject',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.hostProhibited])], activeManagers: ['firewalld'] }, correlation: correlation([culprit(rules.hostProhibited, 3)]) })),
    path: TO_T18,
    cause: 'firewalld-reject',
    reason: ['--reject-with icmp-host-prohibited'],
  },
  {
    name: 'T18: the same prohibited reject without firewalld -> iptables-reject',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.hostProhibited])], activeManagers: ['fail2ban'] }, correlation: correlation([culprit(rules.hostProhibited, 3)]) })),
    path: TO_T18,
    cause: 'iptables-reject',
  },
  {
    name: 'T18: a fail2ban chain counted -> ban-or-rate-limit (catalog C5)',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.f2b])], activeManagers: ['fail2ban'] }, correlation: correlation([culprit(rules.f2b, 3)]) })),
    path: TO_T18,
    cause: 'ban-or-rate-limit',
    confidence: 'high',
    reason: ['chain f2b-postgresql', '198.51.100.7/32'],
  },
  {
    name: 'T18: a reject rule matches, no correlation -> iptables-reject (medium)',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort, rules.otherPort, rules.tcpReset])] } })),
    path: TO_T18,
    cause: 'iptables-reject',
    confidence: 'medium',
    reason: ['`-A INPUT -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset` rejects port 5432 (counters could not be compared)'],
  },
  {
    name: 'T18: a reject rule matches, correlation ran but no counter moved -> medium, says so',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('nft', [rules.nftReset])] }, correlation: correlation() })),
    path: TO_T18,
    cause: 'nftables-reject',
    confidence: 'medium',
    reason: ['(no counter moved during the probes)'],
  },
  {
    name: 'T18: a static ufw reject -> ufw-reject-or-limit (medium)',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.ufwInput])] } })),
    path: TO_T18,
    cause: 'ufw-reject-or-limit',
    confidence: 'medium',
  },
  {
    name: 'T18: a static reject for IPv6 only does not explain an IPv4 refusal',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('ip6tables-nft', [rules.v6Reset])] } })),
    path: [...TO_T18, 'T18a', 'T19'],
    cause: 'inconclusive',
  },
  {
    name: 'T18: legacy tables present but not read -> inconclusive, asks for iptables-legacy-save',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort], { warnings: [LEGACY_WARNING] })] }, correlation: correlation() })),
    path: [...TO_T18, 'T18a'],
    cause: 'inconclusive',
    candidates: ['iptables-reject', 'nftables-reject'],
    reason: ['legacy tables exist which were not read'],
    missing: /iptables-legacy-save -c/,
  },
  {
    name: 'T18: legacy warning, but the legacy set was read too -> the ordinary inconclusive',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort], { warnings: [LEGACY_WARNING] }), snapshot('iptables-legacy', [])] }, correlation: correlation() })),
    path: [...TO_T18, 'T18a', 'T19'],
    cause: 'inconclusive',
    reason: ['may come from a device in front of the server'],
    missing: /tcpdump/,
  },
  {
    name: 'T18: nothing counted, nothing rejects, the server reaches itself -> inconclusive, middlebox first',
    facts: refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort, rules.otherPort])] }, correlation: correlation() })),
    path: [...TO_T18, 'T18a', 'T19'],
    cause: 'inconclusive',
    candidates: ['middlebox-rst', 'other-netns-listener', 'iptables-reject', 'nftables-reject'],
    notCandidates: ['restart-reload-gap'],
    reason: ['No rule counted the probes and none rejects the port'],
    missing: /tcpdump -ni any/,
  },
  {
    name: 'T18: nothing counted and the server is refused by itself -> namespace or restart candidates',
    facts: refused(healthy({ selfProbes: [selfProbe('127.0.0.1', 'refused'), selfProbe(V4, 'refused')], firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort])] }, correlation: correlation() })),
    path: [...TO_T18, 'T18a', 'T19'],
    cause: 'inconclusive',
    candidates: ['other-netns-listener', 'restart-reload-gap'],
    notCandidates: ['middlebox-rst'],
    reason: ['yet the server itself is refused'],
  },

  // ---- T6 with server evidence: per-family differences --------------------------------------
  {
    name: 'T6: IPv6 refused, IPv4 connects, server listens on 0.0.0.0 -> T11 -> aaaa-without-ipv6-listener',
    facts: perAddress(remote({ ownership: [owns(V6)], listeners: listeners(listener('0.0.0.0', 5432)) }), [[V6, 'refused'], [V4, 'connected']]),
    path: ['T0', 'T1', 'T2', 'T3', 'T6', 'T6a', 'T11', 'T13'],
    cause: 'aaaa-without-ipv6-listener',
    confidence: 'high',
    step: ['T6', '2001:db8::10 refused, 192.0.2.10 connected'],
    reason: ['IPv6 (2001:db8::10)'],
  },
  {
    name: 'T6: IPv4 refused, IPv6 connects, [::] v6only:1 -> T11 -> v6only-listener-ipv4-refused',
    facts: perAddress(remote({ ownership: [owns(V4)], listeners: listeners(listener('::', 5432, { v6only: true })) }), [[V6, 'connected'], [V4, 'refused']]),
    path: ['T0', 'T1', 'T2', 'T3', 'T6', 'T6b', 'T11', 'T13'],
    cause: 'v6only-listener-ipv4-refused',
    confidence: 'high',
  },
  {
    name: 'T6: IPv4 refused, IPv6 connects, an IPv4-only reject counted -> iptables-reject',
    facts: perAddress(healthy({ listeners: listeners(listener('::', 5432, { v6only: false })), firewall: { snapshots: [snapshot('iptables-nft', [rules.tcpReset])] }, correlation: correlation([culprit(rules.tcpReset)]) }), [[V6, 'connected'], [V4, 'refused']]),
    path: ['T0', 'T1', 'T2', 'T3', 'T6', 'T6b', 'T11', 'T13', 'T16', 'T17', 'T18'],
    cause: 'iptables-reject',
    confidence: 'high',
  },
  {
    name: 'T6: IPv6 "prohibited", IPv4 connects, ip6tables reject counted -> T11 ... T18 iptables-reject',
    facts: perAddress(
      remote({
        ownership: [owns(V6)],
        listeners: listeners(listener('::', 5432, { v6only: false })),
        selfProbes: [selfProbe('::1', 'open'), selfProbe(V6, 'open')],
        firewall: { snapshots: [snapshot('ip6tables-nft', [rules.v6Prohibited])] },
        correlation: correlation([culprit(rules.v6Prohibited, 6)]),
      }),
      [[V6, ['unreachable', { errno: 'EACCES', ms: 1 }]], [V4, 'connected']],
    ),
    path: ['T0', 'T1', 'T6', 'T6a', 'T11', 'T13', 'T16', 'T17', 'T18'],
    cause: 'iptables-reject',
    confidence: 'high',
    reason: ['ip6tables-nft table filter, chain INPUT, rule 3', 'icmp6-adm-prohibited', 'rose by 6'],
  },

  // ---- T20 with server evidence ------------------------------------------------------------
  {
    name: 'T20: fast "no route to host", prohibited reject counted, firewalld active -> firewalld-reject (high)',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.hostProhibited])], activeManagers: ['firewalld'] }, correlation: correlation([culprit(rules.hostProhibited)]) }), [[V4, ['unreachable', { ms: 2 }]]]),
    path: ['T0', 'T1', 'T20'],
    cause: 'firewalld-reject',
    confidence: 'high',
    reason: ['-j REJECT --reject-with icmp-host-prohibited', 'rose by 3'],
  },
  {
    name: 'T20: the same prohibited reject without firewalld -> iptables-reject (high)',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.hostProhibited])] }, correlation: correlation([culprit(rules.hostProhibited)]) }), [[V4, ['unreachable', { ms: 2 }]]]),
    path: ['T0', 'T1', 'T20'],
    cause: 'iptables-reject',
    confidence: 'high',
  },
  {
    name: 'T20: nft admin-prohibited counted, no firewalld -> nftables-reject',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('nft', [rules.nftAdminProhibited])] }, correlation: correlation([culprit(rules.nftAdminProhibited)]) }), [[V4, ['unreachable', { ms: 2 }]]]),
    path: ['T0', 'T1', 'T20'],
    cause: 'nftables-reject',
    reason: ['reject with icmpx admin-prohibited'],
  },
  {
    name: 'T20: slow "no route to host", a DNAT forwards the port -> dnat-dead-backend (medium)',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.dnat])] } }), [[V4, ['unreachable', { ms: 3050 }]]]),
    path: ['T0', 'T1', 'T20'],
    cause: 'dnat-dead-backend',
    confidence: 'medium',
    reason: ['Port 5432 is forwarded elsewhere by iptables-nft table nat, chain PREROUTING', '10.0.0.99:5432'],
  },
  {
    name: 'T20: the DNAT counted the probes -> dnat-dead-backend (high)',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.dnat])] }, correlation: correlation([culprit(rules.dnat)]) }), [[V4, ['unreachable', { ms: 3050 }]]]),
    path: ['T0', 'T1', 'T20'],
    cause: 'dnat-dead-backend',
    confidence: 'high',
    reason: ['rose by 3'],
  },
  {
    name: 'T20: server evidence without a culprit or DNAT -> the workstation-only inconclusive',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort])] }, correlation: correlation() }), [[V4, ['unreachable', { ms: 2 }]]]),
    path: ['T0', 'T1', 'T20'],
    cause: 'inconclusive',
    candidates: ['firewalld-reject', 'iptables-reject', 'nftables-reject'],
  },

  // ---- T40 with server evidence ------------------------------------------------------------
  {
    name: 'T40: a DROP rule counted the probes -> firewall-drop (high)',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.drop])] }, correlation: correlation([culprit(rules.drop, 6)]) }), [[V4, 'timeout']]),
    path: ['T0', 'T1', 'T40'],
    cause: 'firewall-drop',
    confidence: 'high',
    reason: ['iptables-nft table filter, chain INPUT, rule 5: `-A INPUT -i eth0 -p tcp -m tcp --dport 5432 -j DROP`', 'rose by 6'],
  },
  {
    name: 'T40: an nft drop counted -> firewall-drop',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('nft', [rules.nftDrop])] }, correlation: correlation([culprit(rules.nftDrop, 3)]) }), [[V4, 'timeout']]),
    path: ['T0', 'T1', 'T40'],
    cause: 'firewall-drop',
    reason: ['nft inet filter input: `tcp dport 5432 counter packets 3 bytes 180 drop`'],
  },
  {
    name: 'T40: the INPUT DROP policy counted the probes -> firewall-drop (high)',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort], { chains: [baseChain('iptables-nft', 'INPUT', 'DROP', { packets: 9, bytes: 540 })] })] }, correlation: correlation([], [policyCulprit({ delta: 3 })]) }), [[V4, 'timeout']]),
    path: ['T0', 'T1', 'T40'],
    cause: 'firewall-drop',
    confidence: 'high',
    reason: ['The DROP policy of iptables-nft filter INPUT counted 3 packets while 3 probes were sent'],
  },
  {
    name: 'T40: only a reject culprit moved -> not a drop: timeout-filtered',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.tcpReset])] }, correlation: correlation([culprit(rules.tcpReset)]) }), [[V4, 'timeout']]),
    path: ['T0', 'T1', 'T40'],
    cause: 'timeout-filtered',
    confidence: 'medium',
  },
  {
    name: 'T40: no culprit, no policy -> timeout-filtered (medium)',
    facts: perAddress(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [rules.acceptPort])] }, correlation: correlation() }), [[V4, 'timeout']]),
    path: ['T0', 'T1', 'T40'],
    cause: 'timeout-filtered',
    confidence: 'medium',
    reason: ['No answer within 3000 ms'],
  },
];


describe('server-side tree: facts -> path and verdict', () => {
  it.each(cases)('$name', expectVerdict);

  it.each(cases)('$name: well formed, catalog ids, diagnosis parses', (c) => expectWellFormed(c.facts));

  it('every server-side node, called on every case, names only catalog ids and real nodes', () => {
    for (const c of cases) {
      for (const node of Object.values(remoteNodes)) {
        const asked = node.decide(c.facts);
        const decision = asked.kind === 'ask' ? asked.fallback : asked;
        expect(node.branches, node.id).toContain(decision.kind === 'next' ? decision.node : decision.kind === 'leaf' ? decision.cause : 'inconclusive');
        if (decision.kind === 'inconclusive') for (const id of decision.candidates) expect(isCauseId(id), `${node.id}: ${id}`).toBe(true);
        if (decision.kind === 'next') expect(treeNodes[decision.node], `${node.id} -> ${decision.node}`).toBeDefined();
        if (decision.kind === 'leaf') expect(decision.cause in causeDefinitions, `${node.id}: ${decision.cause}`).toBe(true);
      }
    }
  });

  it('without server facts every server node asks for them (or goes on), and never throws', () => {
    const bare = refused(remote());
    for (const node of Object.values(remoteNodes)) {
      const decision = node.decide({ ...bare, remote: null });
      if (decision.kind !== 'next') expect(decision.kind, node.id).toBe('ask');
    }
  });
});

describe('causeOfRule', () => {
  const ufw6 = rules.ufw6Input;
  const prohibitedNft = rules.nftAdminProhibited;
  const docker = iptRule('-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80', { action: 'dnat', table: 'nat', target: '172.17.0.2:80', protocol: 'tcp', dports: [[8080, 8080]] });
  const kube = iptRule('-A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable', {
    action: 'reject', chain: 'KUBE-SERVICES', rejectWith: 'icmp-port-unreachable', protocol: 'tcp', dports: [[80, 80]], destinations: ['10.96.0.50/32'], comment: 'default/web:http has no endpoints',
  });
  const table: [string, string, FirewallRule, string[]][] = [
    ['DNAT', 'dnat-dead-backend', rules.dnat, []],
    ['Docker DNAT', 'dnat-dead-backend', docker, ['firewalld']],
    ['iptables DROP', 'firewall-drop', rules.drop, ['firewalld']],
    ['nft drop', 'firewall-drop', rules.nftDrop, []],
    ['ufw-user-input', 'ufw-reject-or-limit', rules.ufwInput, []],
    ['ufw-user-limit', 'ufw-reject-or-limit', rules.ufwLimit, ['firewalld']],
    ['ufw6-user-input', 'ufw-reject-or-limit', ufw6, []],
    ['table firewalld', 'firewalld-reject', rules.nftFirewalld, []],
    ['firewalld nft zone chain filter_INPUT_ZONES', 'firewalld-reject', rules.nftFirewalldZoneChain, []],
    ['firewalld iptables zone chain IN_public_deny', 'firewalld-reject', rules.firewalldIptables, []],
    ['firewalld direct chain INPUT_direct', 'firewalld-reject', rules.firewalldInputDirect, []],
    ['a chain named *_REJECT', 'firewalld-reject', { ...rules.tcpReset, chain: 'FWDI_public_REJECT', text: '-A FWDI_public_REJECT -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset' }, []],
    ['prohibited with firewalld active', 'firewalld-reject', rules.hostProhibited, ['ufw', 'firewalld']],
    ['prohibited without firewalld', 'iptables-reject', rules.hostProhibited, ['nftables']],
    ['nft prohibited with firewalld active', 'firewalld-reject', prohibitedNft, ['firewalld']],
    ['nft prohibited without firewalld', 'nftables-reject', prohibitedNft, []],
    ['tcp-reset with firewalld active is not firewalld\'s', 'iptables-reject', rules.tcpReset, ['firewalld']],
    ['plain iptables reject', 'iptables-reject', rules.tcpReset, []],
    ['plain ip6tables reject', 'iptables-reject', rules.v6Reset, []],
    ['iptables-legacy reject', 'iptables-reject', { ...rules.tcpReset, source: 'iptables-legacy' }, []],
    ['plain nft reject', 'nftables-reject', rules.nftReset, []],
    ['fail2ban f2b-* chain', 'ban-or-rate-limit', rules.f2b, ['fail2ban']],
    ['a -m recent --hitcount reject outside ufw', 'ban-or-rate-limit', { ...rules.tcpReset, text: '-A INPUT -p tcp -m tcp --dport 5432 -m recent --update --seconds 60 --hitcount 5 --name pg -j REJECT --reject-with tcp-reset' }, []],
    ['ufw-user-limit with -m recent stays ufw', 'ufw-reject-or-limit', { ...rules.ufwLimit, text: '-A ufw-user-limit -m recent --update --seconds 30 --hitcount 6 -j REJECT' }, []],
    ['KUBE-SERVICES has no endpoints', 'k8s-service-no-endpoints', kube, []],
  ];
  it.each(table)('%s -> %s', (_name, want, rule, managers) => {
    const got = causeOfRule(rule, managers);
    expect(got).toBe(want);
    expect(got in causeDefinitions).toBe(true);
  });

  it('the factory rules are schema-valid in a RemoteFacts', () => {
    expect(() => checked(remote({ firewall: { snapshots: [snapshot('iptables-nft', [...Object.values(rules).filter((r) => r.source === 'iptables-nft'), docker, kube])] } }))).not.toThrow();
  });
});

describe('describeRule', () => {
  it.each([
    ['iptables-nft table filter, chain INPUT, rule 4: `-A INPUT -p tcp -m tcp --dport 5432 -j REJECT --reject-with tcp-reset`', rules.tcpReset],
    ['iptables-nft table nat, chain PREROUTING, rule 2: `-A PREROUTING -p tcp -m tcp --dport 5432 -m comment --comment "to the old db" -j DNAT --to-destination 10.0.0.99:5432`', rules.dnat],
    ['ip6tables-nft table filter, chain INPUT, rule 3: `-A INPUT -p tcp -m tcp --dport 5432 -j REJECT --reject-with icmp6-adm-prohibited`', rules.v6Prohibited],
    ['nft inet filter input: `tcp dport 5432 counter packets 3 bytes 180 reject with tcp reset`', rules.nftReset],
    ['nft inet firewalld filter_IN_public_reject: `reject with icmpx admin-prohibited`', rules.nftFirewalld],
  ] as const)('%s', (want, rule) => {
    expect(describeRule(rule)).toBe(want);
  });
});

describe('remote factories stay honest', () => {
  it('a RemoteFacts with a key the schema does not know is rejected', () => {
    const r = remote();
    expect(() => checked({ ...r, extra: 1 } as RemoteFacts)).toThrow(/changed under the schema/);
  });

  it('a RemoteFacts with a wrong type is rejected', () => {
    expect(() => remote({ uid: 1.5 })).toThrow();
    expect(() => remote({ selfProbes: [{ ...selfProbe(V4, 'open'), status: 'closed' as 'open' }] })).toThrow();
  });

  it('every case facts.remote passes the schema unchanged', () => {
    for (const c of cases) if (c.facts.remote) expect(() => checked(c.facts.remote!), c.name).not.toThrow();
  });
});

/**
 * Bugs: wrong branches per refused-catalog.md §3. These fail today on purpose; see the report.
 */
describe('server-side tree: branches fixed after these tests found them', () => {
  it('T18: IPv6 times out, IPv4 connects, an ip6tables DROP counted the probes -> firewall-drop, not "no rule counted"', () => {
    // T6 sends per-family differences with server facts to T11 (catalog T40: "re-enter at T11 if SSH
    // evidence exists"); T18 then keeps only non-drop culprits, so the counted DROP is thrown away and
    // the verdict claims no rule counted the probes.
    const f = perAddress(
      remote({
        ownership: [owns(V6)],
        listeners: listeners(listener('::', 5432, { v6only: false })),
        selfProbes: [selfProbe('::1', 'open'), selfProbe(V6, 'open')],
        firewall: { snapshots: [snapshot('ip6tables-nft', [rules.v6Drop])] },
        correlation: correlation([culprit(rules.v6Drop, 3)]),
      }),
      [[V6, 'timeout'], [V4, 'connected']],
    );
    expectVerdict({
      name: 'drop at T18',
      facts: f,
      path: ['T0', 'T1', 'T6', 'T6a', 'T11', 'T13', 'T16', 'T17', 'T18'],
      cause: 'firewall-drop',
      confidence: 'high',
      reason: ['ip6tables-nft table filter, chain INPUT, rule 5', '-j DROP', 'rose by 3'],
    });
  });

  it('T18: IPv6 times out, IPv4 connects, the ip6tables INPUT DROP policy counted -> firewall-drop', () => {
    const f = perAddress(
      remote({
        ownership: [owns(V6)],
        listeners: listeners(listener('::', 5432, { v6only: false })),
        selfProbes: [selfProbe('::1', 'open'), selfProbe(V6, 'open')],
        firewall: { snapshots: [snapshot('ip6tables-nft', [], { chains: [baseChain('ip6tables-nft', 'INPUT', 'DROP', { packets: 3, bytes: 240 })] })] },
        correlation: correlation([], [policyCulprit({ source: 'ip6tables-nft', delta: 3 })]),
      }),
      [[V6, 'timeout'], [V4, 'connected']],
    );
    expectVerdict({ name: 'policy drop at T18', facts: f, path: ['T0', 'T1', 'T6', 'T6a', 'T11', 'T13', 'T16', 'T17', 'T18'], cause: 'firewall-drop', confidence: 'high', reason: ['DROP policy of ip6tables-nft filter INPUT'] });
  });

  it('T13: a DNAT rule limited to another destination (docker -p 127.0.0.1:8080:80) does not forward the target address', () => {
    // dnatRules() ignores the rule's destinations, so a DNAT for -d 127.0.0.1/32 "forwards" 192.0.2.10
    // and preempts the listener verdict. The listener table shows docker-proxy on 127.0.0.1 only.
    const docker = iptRule('-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80', {
      action: 'dnat', table: 'nat', target: '172.17.0.2:80', protocol: 'tcp', dports: [[8080, 8080]], destinations: ['127.0.0.1/32'],
    });
    const f = facts('app.example.com:8080', resolved('app.example.com', [addr(V4)]), rounds(V4, 'refused', 'refused'), {
      remote: remote({
        ownership: [owns(V4)],
        listeners: listeners(listener('127.0.0.1', 8080, { processes: [{ name: 'docker-proxy', pid: 2210 }] })),
        selfProbes: [selfProbe('127.0.0.1', 'open', 8080), selfProbe(V4, 'refused', 8080)],
        firewall: { snapshots: [snapshot('iptables-nft', [docker])] },
      }),
    });
    // docker-proxy owns the listener (catalog T13a): the container is published on loopback only (D1).
    expectVerdict({ name: 'docker dnat', facts: f, path: [...TO_T13, 'T13a'], cause: 'docker-publish-problem', confidence: 'high', reason: ['docker-proxy holds 127.0.0.1:8080', 'published on loopback only'] });
  });
});

describe("server-side tree: the server's own answer counters (/proc/net/snmp)", () => {
  const answers = (icmpUnreachable: number, tcpResets: number, icmp6Unreachable = 0) => ({ probes: 3, icmpUnreachable, icmp6Unreachable, tcpResets });

  it('T20: firewalld active, uncounted rules, and the server sent the ICMP errors itself -> firewalld-reject, high', () => {
    const f = perAddress(healthy({ firewall: { snapshots: [snapshot('nft', [])], activeManagers: ['firewalld'] }, correlation: correlation(), kernelAnswers: answers(3, 0) }), [[V4, ['unreachable', { ms: 2, errno: 'EHOSTUNREACH' }]]]);
    const { path, verdict } = evaluate(f);
    expect(path.map((s) => s.node)).toEqual(['T0', 'T1', 'T20']);
    expect(verdict).toMatchObject({ cause: 'firewalld-reject', confidence: 'high' });
    expect(verdict.reason).toContain('sent 0 TCP resets and 3 ICMP unreachables');
    expectWellFormed(f);
  });

  it('T20: the same answers without firewalld and without a prohibited rule stay undecided', () => {
    const f = perAddress(healthy({ firewall: { snapshots: [snapshot('nft', [])] }, correlation: correlation(), kernelAnswers: answers(3, 0) }), [[V4, ['unreachable', { ms: 2, errno: 'EHOSTUNREACH' }]]]);
    expect(evaluate(f).verdict.cause).toBe('inconclusive');
  });

  it('T17: rules unreadable, but the server itself sent the resets -> host-firewall-suspected with high confidence', () => {
    const f = refused(healthy({ uid: 1000, sudo: false, firewall: { unreadable: [unreadable('iptables-nft')] }, kernelAnswers: answers(0, 3) }));
    const { verdict } = evaluate(f);
    expect(verdict).toMatchObject({ cause: 'host-firewall-suspected', confidence: 'high' });
    expect(verdict.reason).toContain('the rejection happens on the server');
    expectWellFormed(f);
  });

  it('T18: no rule counted, but the server itself sent ICMP errors: the reason says so (a rule set was not read)', () => {
    const f = refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [])] }, correlation: correlation(), kernelAnswers: answers(3, 0) }));
    const { path, verdict } = evaluate(f);
    expect(path.map((s) => s.node).slice(-3)).toEqual(['T18', 'T18a', 'T19']);
    expect(verdict.cause).toBe('inconclusive');
    expect(verdict.candidates).toEqual(['iptables-reject', 'nftables-reject']);
    expect(verdict.reason).toContain('yet during 3 fresh probes the server itself sent 0 TCP resets and 3 ICMP unreachables');
    expectWellFormed(f);
  });

  it('T18: no count from the server is not proof of a middlebox (netfilter resets are not counted)', () => {
    const f = refused(healthy({ firewall: { snapshots: [snapshot('iptables-nft', [])] }, correlation: correlation(), kernelAnswers: answers(0, 0) }));
    expect(evaluate(f).verdict.reason).not.toContain('did answer');
  });
});

describe('server-side tree: a port held by another unit (catalog B8, by the cgroup ss -e prints)', () => {
  const squat = (cgroup: string | null, activeState = 'failed') =>
    refused(
      remote({
        ownership: [owns(V4)],
        listeners: listeners(listener('127.0.0.1', 5432, { cgroup, processes: [{ name: 'nc', pid: 4242 }] })),
        service: service({ unit: 'postgresql.service', activeState, subState: activeState === 'failed' ? 'failed' : 'running', result: 'exit-code', signatures: [signature('port-in-use', 'could not bind IPv4 address "0.0.0.0": Address already in use')] }),
      }),
    );

  it('the service failed and another unit holds the port -> port-in-use-conflict, naming the holder', () => {
    const f = squat('/system.slice/pw-squatter.service');
    const { path, verdict } = evaluate(f);
    expect(path.at(-1)?.node).toBe('T13');
    expect(verdict).toMatchObject({ cause: 'port-in-use-conflict', confidence: 'high' });
    expect(verdict.reason).toContain('nc pid 4242, cgroup /system.slice/pw-squatter.service');
    expect(verdict.reason).toContain('Address already in use');
    expectWellFormed(f);
  });

  it('the listener is the service itself, or its owner is unknown, or the service runs -> the listener table decides', () => {
    expect(evaluate(squat('/system.slice/postgresql.service')).verdict.cause).toBe('bind-loopback-only');
    expect(evaluate(squat('/system.slice/pw-squatter.service', 'active')).verdict.cause).toBe('bind-loopback-only');
    const unknownOwnerNoLog = squat(null);
    unknownOwnerNoLog.remote!.service!.signatures = [];
    expect(evaluate(unknownOwnerNoLog).verdict.cause).toBe('bind-loopback-only');
  });

  it('without cgroups (ss without -e), the down service\'s own "Address already in use" names the holder', () => {
    const { path, verdict } = evaluate(squat(null));
    expect(path.at(-1)?.node).toBe('T13');
    expect(verdict.cause).toBe('port-in-use-conflict');
    expect(verdict.reason).toContain('127.0.0.1:5432 (nc pid 4242)');
    expect(verdict.reason).toContain('Address already in use');
  });
});

describe('T10 after a failed SSH login', () => {
  it('says the login was tried and how it failed, instead of "no SSH access"', () => {
    const f = { ...facts('db.example.com:5432', resolved('db.example.com', [addr(V4)]), rounds(V4, 'refused', 'refused')), sshFailure: { kind: 'host-key-changed' } };
    const step = evaluate(f).path.find((s) => s.node === 'T10');
    expect(step?.next).toBe('T60');
    expect(step?.reason).toBe("The SSH login failed (the server's host key has changed) and nothing was pasted from the server: asking instead.");
    const untried = evaluate({ ...f, sshFailure: null }).path.find((s) => s.node === 'T10');
    expect(untried?.reason).toBe('No SSH access and nothing pasted from the server: asking instead.');
  });
});

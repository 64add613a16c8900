import { z } from 'zod';
import { FirewallRule, FirewallSnapshot } from './firewall';
import { Listener } from './listener';
import { EvidenceStatus } from './evidence-status';

/** Schemas of the evidence collected on the server; the tree reads the inferred types. */

export const SelfProbeStatus = z.enum(['open', 'refused', 'timeout', 'unreachable', 'error']);

export const SelfProbe = z.object({ address: z.string(), port: z.number().int(), status: SelfProbeStatus, detail: z.string() });

export const RuleCulprit = z.object({ rule: FirewallRule, delta: z.number().int() });

export const PolicyCulprit = z.object({ source: z.string(), table: z.string(), chain: z.string(), policy: z.string(), delta: z.number().int() });

export const LogSignature = z.enum(['port-in-use', 'address-unavailable', 'permission-denied', 'mac-denied', 'oom-kill', 'start-limit', 'upstream-refused', 'networking-disabled']);

export const ServiceFacts = z.object({
  unit: z.string(),
  loadState: z.string(),
  activeState: z.string(),
  subState: z.string(),
  result: z.string(),
  unitFileState: z.string(),
  nRestarts: z.number().int().nullable(),
  /** Catalog Appendix B signatures found in its recent log, each with the line that matched. */
  signatures: z.array(z.object({ signature: LogSignature, line: z.string() })),
});

/** One container as `docker ps -a` (and `docker inspect`, when read) shows it. */
export const ContainerFact = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  state: z.enum(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']).nullable(),
  /** Docker's own status words: `Exited (137) 3 seconds ago`. */
  status: z.string(),
  exitCode: z.number().int().nullable(),
  /** From `docker inspect` State.OOMKilled; null when not inspected. */
  oomKilled: z.boolean().nullable(),
  restartCount: z.number().int().nullable(),
  /** Published ports: hostIp null and hostPort null when exposed but not published. */
  ports: z.array(
    z.object({
      hostIp: z.string().nullable(),
      hostPort: z.tuple([z.number().int(), z.number().int()]).nullable(),
      containerPort: z.tuple([z.number().int(), z.number().int()]),
      protocol: z.string(),
    }),
  ),
});

/** How the server's evidence was obtained: logged in over SSH, or pasted by a person (manual mode). */
export const ServerEvidenceOrigin = z.enum(['ssh', 'pasted']);

export const RemoteFacts = z.object({
  /** user@host:port of the server, as the user named it (for pasted evidence: the target host). */
  server: z.string(),
  origin: ServerEvidenceOrigin,
  /** The remote user id; null when the evidence was pasted. */
  uid: z.number().int().nullable(),
  sudo: z.boolean(),
  /** Per probed target address: is it one of the server's own? null when it could not be told. */
  ownership: z.array(z.object({ address: z.string(), owned: z.boolean().nullable(), how: z.string() })),
  listeners: z.object({ status: EvidenceStatus, source: z.string(), listeners: z.array(Listener), reason: z.string().nullable() }),
  selfProbes: z.array(SelfProbe),
  firewall: z.object({
    snapshots: z.array(FirewallSnapshot),
    /** Rule sets that could not be read, and why (no root is evidence, not "no firewall"). */
    unreadable: z.array(z.object({ source: z.string(), status: EvidenceStatus, reason: z.string() })),
    /** Firewall managers whose service is active (ufw, firewalld, nftables, fail2ban). */
    activeManagers: z.array(z.string()),
  }),
  /** Counter correlation around the workstation's probes; null when it could not run. */
  correlation: z.object({ probes: z.number().int(), culprits: z.array(RuleCulprit), policies: z.array(PolicyCulprit) }).nullable(),
  service: ServiceFacts.nullable(),
  /**
   * The server's own answer counters (/proc/net/snmp, readable without root) around the same fresh
   * probes: how many ICMP unreachables and TCP resets the server itself sent. Null when not read.
   */
  kernelAnswers: z.object({ probes: z.number().int(), icmpUnreachable: z.number().int(), icmp6Unreachable: z.number().int(), tcpResets: z.number().int() }).nullable(),
  /** Containers on the server (`docker ps -a`); null when docker is absent or was not read. */
  containers: z.object({ status: EvidenceStatus, source: z.string(), containers: z.array(ContainerFact), reason: z.string().nullable() }).nullable(),
});

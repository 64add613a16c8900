import { z } from 'zod';
import { Target } from './target';
import { EvidenceStatus } from './evidence-status';
import { ListenerTable } from './listener';
import { Outcome, ProbeAttempt, ProbeOptions, Resolution } from './probe';
import { ProxySettings } from './proxy';
import { RemoteFacts } from './remote';

export const Confidence = z.enum(['high', 'medium', 'low']);
export type Confidence = z.infer<typeof Confidence>;

export { EvidenceStatus } from './evidence-status';

/** The parsed facts of one piece of evidence, by the check that produced it. */
export const EvidenceFacts = z.discriminatedUnion('check', [
  z.object({ check: z.literal('dns'), resolution: Resolution }),
  z.object({ check: z.literal('tcp-probe'), attempts: z.array(ProbeAttempt) }),
  z.object({ check: z.literal('local-listeners'), table: ListenerTable }),
  z.object({ check: z.literal('proxy-env'), proxy: ProxySettings }),
  /** One read-only command on the server: how it ended (the raw output is the evidence's `raw`). */
  z.object({ check: z.literal('remote-command'), id: z.string(), exitCode: z.number().int().nullable(), stderr: z.string(), sudo: z.boolean(), truncated: z.boolean() }),
  /** Logging in to the server: each hop's host key, or the failure (with the hop that failed). */
  z.object({
    check: z.literal('ssh-login'),
    server: z.string(),
    ok: z.boolean(),
    errorKind: z.string().nullable(),
    hops: z.array(z.object({ hop: z.string(), keyType: z.string(), fingerprint: z.string(), status: z.string() })),
  }),
  /** What the server's commands add up to, as the decision tree read it. */
  z.object({ check: z.literal('server-facts'), remote: RemoteFacts }),
]);
export type EvidenceFacts = z.infer<typeof EvidenceFacts>;
export type CheckId = EvidenceFacts['check'];

export const Evidence = z.object({
  id: z.string(),
  /** `workstation`, or the server (user@host:port) a command ran on. */
  where: z.string(),
  /** What was run or read, as a person could repeat it. */
  command: z.string(),
  startedAt: z.string(),
  ms: z.number().nonnegative(),
  status: EvidenceStatus,
  summary: z.string(),
  /** Raw output, capped; null when the check has none (a socket connect). */
  raw: z.string().nullable(),
  facts: EvidenceFacts,
});
export type Evidence = z.infer<typeof Evidence>;

export const PathStep = z.object({
  node: z.string(),
  title: z.string(),
  reason: z.string(),
  /** The next node id, or the cause id of the leaf this step concluded. */
  next: z.string(),
});
export type PathStep = z.infer<typeof PathStep>;

export const RemediationStepOut = z.object({
  text: z.string(),
  commands: z.array(z.object({ platform: z.enum(['linux', 'macos', 'windows', 'any']), command: z.string() })),
});

export const Diagnosis = z.object({
  cause: z.string(),
  title: z.string(),
  confidence: Confidence,
  /** The cause and the evidence that decided it, in one or two sentences. */
  summary: z.string(),
  /** The deciding step's reason alone (the summary without the title). */
  reason: z.string(),
  explanation: z.string(),
  proof: z.string(),
  remediation: z.array(RemediationStepOut),
  verify: z.string(),
  /** For an inconclusive verdict: what evidence would decide it. */
  missing: z.array(z.string()),
  /** For an inconclusive verdict: the causes still possible. */
  candidates: z.array(z.object({ id: z.string(), title: z.string() })),
});
export type Diagnosis = z.infer<typeof Diagnosis>;

export const REPORT_SCHEMA = 'portwise.report/1';

export const Report = z.object({
  schema: z.literal(REPORT_SCHEMA),
  tool: z.object({ name: z.literal('portwise'), version: z.string() }),
  target: Target.extend({ input: z.string() }),
  options: ProbeOptions,
  workstation: z.object({ platform: z.string(), release: z.string(), runtime: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  outcome: Outcome,
  diagnosis: Diagnosis,
  path: z.array(PathStep),
  evidence: z.array(Evidence),
  /** Set when SSH evidence was asked for and logging in failed (the CLI then exits 4). */
  sshFailure: z.object({ kind: z.string(), message: z.string(), hop: z.number().int() }).nullable(),
});
export type Report = z.infer<typeof Report>;

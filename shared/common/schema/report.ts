import { z } from 'zod';
import { Target } from './target';
import { ListenerTable } from './listener';
import { Outcome, ProbeAttempt, ProbeOptions, Resolution } from './probe';
import { ProxySettings } from './proxy';

export const Confidence = z.enum(['high', 'medium', 'low']);
export type Confidence = z.infer<typeof Confidence>;

export const EvidenceStatus = z.enum(['ok', 'error', 'timeout', 'needs-privilege', 'unsupported', 'skipped']);
export type EvidenceStatus = z.infer<typeof EvidenceStatus>;

/** The parsed facts of one piece of evidence, by the check that produced it. */
export const EvidenceFacts = z.discriminatedUnion('check', [
  z.object({ check: z.literal('dns'), resolution: Resolution }),
  z.object({ check: z.literal('tcp-probe'), attempts: z.array(ProbeAttempt) }),
  z.object({ check: z.literal('local-listeners'), table: ListenerTable }),
  z.object({ check: z.literal('proxy-env'), proxy: ProxySettings }),
]);
export type EvidenceFacts = z.infer<typeof EvidenceFacts>;
export type CheckId = EvidenceFacts['check'];

export const Evidence = z.object({
  id: z.string(),
  where: z.literal('workstation'),
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
});
export type Report = z.infer<typeof Report>;

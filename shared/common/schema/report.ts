import { z } from 'zod';
import { Target } from './target';
import { EvidenceStatus } from './evidence-status';
import { ListenerTable } from './listener';
import { Outcome, ProbeAttempt, ProbeOptions, Resolution } from './probe';
import { ProxySettings } from './proxy';
import { RemoteFacts } from './remote';
import { Answers } from './answers';
import { HopLabel } from './prompts';

export const Confidence = z.enum(['high', 'medium', 'low']);

/** What the user reported seeing, before any probe: refused, timed out, reset, or "no route to host". */
export const Symptom = z.enum(['refused', 'timeout', 'reset', 'no-route']);
export type Symptom = z.infer<typeof Symptom>;
export type Confidence = z.infer<typeof Confidence>;

export { EvidenceStatus } from './evidence-status';

/** A host key as a server presented it (OpenSSH's fingerprint: `SHA256:` + unpadded base64). */
export const SshHostKey = z.object({ keyType: z.string(), fingerprint: z.string() });
/** The key the server presented: when it changed, the key itself too (public, base64), so it can be re-pinned on purpose. */
export const SshPresentedKey = SshHostKey.extend({ key: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).nullish() });
export type SshHostKey = z.infer<typeof SshHostKey>;

/** A known_hosts entry: the pinned key(s) a changed key was compared with, the revoked entry, or keys of other types on file. */
export const SshKnownKey = SshHostKey.extend({ file: z.string(), line: z.number().int() });
export type SshKnownKey = z.infer<typeof SshKnownKey>;

/** Where one hop of the chain got to when the login failed. */
export const SshChainHop = z.object({ hop: HopLabel, status: z.enum(['ok', 'failed', 'not-reached']) });
export type SshChainHop = z.infer<typeof SshChainHop>;

/**
 * What the SSH layer knew when the login failed, as fields (the message says it again, for people).
 * Every field is optional, so reports written before they existed still parse; null when this
 * failure does not have it (a failure outside the SSH layer has none). Never a secret: hops, key
 * types, fingerprints, known_hosts paths, method names and the identity file's path only.
 */
export const SshFailureDetail = z.object({
  /** The hop that failed (index is 1-based; role `jump` is "jump host i of n", `target` the server). */
  failedHop: HopLabel.nullish(),
  /** Every hop, in order: logged in (`ok`), the one that failed, or never reached. */
  chain: z.array(SshChainHop).nullish(),
  /** Host key errors: the key the server presented. */
  presented: SshPresentedKey.nullish(),
  /** Host key errors: the pinned keys (changed), the revoked entry (revoked), other key types on file (unknown). */
  known: z.array(SshKnownKey).nullish(),
  /** Authentication failures: what this side tried ("agent", "publickey /path", "password", ...). */
  methodsTried: z.array(z.string()).nullish(),
  /** Authentication failures: what the server still offered (null: it never said). */
  serverMethods: z.array(z.string()).nullish(),
  /** An unreadable identity file (or its passphrase failing): the file's path. */
  keyPath: z.string().nullish(),
});
export type SshFailureDetail = z.infer<typeof SshFailureDetail>;

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
    /** A failed login only (absent on success). */
    ...SshFailureDetail.shape,
  }),
  /** What the server's commands add up to, as the decision tree read it. */
  z.object({ check: z.literal('server-facts'), remote: RemoteFacts }),
  /** A connect to a port known to answer on the same address: the round trip the refusal is compared with. */
  z.object({ check: z.literal('baseline'), attempt: ProbeAttempt }),
  /** Output a person pasted at a step of the tree (manual mode); its parsed facts join server-facts. */
  z.object({ check: z.literal('pasted'), node: z.string(), kind: z.string() }),
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
  /**
   * The sha256 (hex) of the whole output, every byte the command wrote to stdout, including what the
   * cap cut from `raw`: a reader can check a copy of the output against it. Absent in reports written
   * before it existed, and null when there is no output.
   */
  rawSha256: z.string().regex(/^[0-9a-f]{64}$/).nullish(),
  /** How many bytes the whole output had (`raw` may hold fewer). */
  rawBytes: z.number().int().nonnegative().nullish(),
  /** Collected by Portwise, or pasted by a person (manual mode). */
  origin: z.enum(['collected', 'pasted']),
  facts: EvidenceFacts,
});
export type Evidence = z.infer<typeof Evidence>;

export const PathStep = z.object({
  node: z.string(),
  title: z.string(),
  /** Why the step matters and what it reads, for the person following the wizard. */
  why: z.string(),
  checks: z.array(z.string()),
  reason: z.string(),
  /** The next node id, or the cause id of the leaf this step concluded. */
  next: z.string(),
  /** What decided the step: the evidence, a person's answer, or a person's override. */
  by: z.enum(['evidence', 'answer', 'override']),
  /** For an override: where the evidence alone led (null when it could not decide). */
  automatic: z.string().nullable(),
  /** For an override: the reason the person gave. */
  overrideReason: z.string().nullable(),
  /** The other branches a person may choose instead (an override), with their titles. */
  alternatives: z.array(z.object({ to: z.string(), title: z.string() })),
});
export type PathStep = z.infer<typeof PathStep>;

/** Where a command applies: any Linux, a Linux family whose commands differ, another OS, or anywhere. */
export const Platform = z.enum(['linux', 'debian', 'rhel', 'macos', 'freebsd', 'windows', 'any']);
export type Platform = z.infer<typeof Platform>;

export const FixCommandOut = z.object({ platform: Platform, command: z.string() });

export const RemediationStepOut = z.object({
  text: z.string(),
  commands: z.array(FixCommandOut),
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
  /** The service the fix is written for (catalog Appendix A), when it could be told. */
  service: z.object({ id: z.string(), name: z.string() }).nullable(),
  remediation: z.array(RemediationStepOut),
  verify: z.object({ text: z.string(), commands: z.array(FixCommandOut) }),
  /** For an inconclusive verdict: what evidence would decide it. */
  missing: z.array(z.string()),
  /** For an inconclusive verdict: the causes still possible. */
  candidates: z.array(z.object({ id: z.string(), title: z.string() })),
});
export type Diagnosis = z.infer<typeof Diagnosis>;

/** The step the walk stopped at for want of evidence: what to ask a person, and what to paste. */
export const PendingQuestion = z.object({
  node: z.string(),
  title: z.string(),
  why: z.string(),
  question: z.string(),
  reason: z.string(),
  choices: z.array(z.object({ id: z.string(), label: z.string(), leadsTo: z.string() })),
  paste: z.object({ kind: z.string(), hint: z.string(), commands: z.array(z.object({ os: z.string(), command: z.string() })) }).nullable(),
  missing: z.array(z.string()),
});
export type PendingQuestion = z.infer<typeof PendingQuestion>;

/** One "verify the fix": the failing addresses probed again after a fix, beside what they did in the run. */
export const Verification = z.object({
  at: z.string(),
  /** Each address's attempts in the diagnosis. */
  before: z.array(ProbeAttempt),
  /** The same addresses, probed again. */
  after: z.array(ProbeAttempt),
  /** Every address connected after. */
  fixed: z.boolean(),
});
export type Verification = z.infer<typeof Verification>;

export const REPORT_SCHEMA = 'portwise.report/1';

export const Report = z.object({
  schema: z.literal(REPORT_SCHEMA),
  tool: z.object({ name: z.literal('portwise'), version: z.string() }),
  target: Target.extend({ input: z.string() }),
  options: ProbeOptions,
  /** The service the user named (`--service`), if any: it picks the fix and fills the manual commands. */
  service: z.string().nullable(),
  /** What the user reported seeing, if they said. */
  symptom: Symptom.nullable(),
  workstation: z.object({
    platform: z.string(),
    release: z.string(),
    runtime: z.string(),
    /** The proxy settings seen by this run (credentials removed); absent in reports written before it existed. */
    proxy: ProxySettings.nullish(),
  }),
  startedAt: z.string(),
  finishedAt: z.string(),
  outcome: Outcome,
  diagnosis: Diagnosis,
  path: z.array(PathStep),
  /** Null when the evidence was enough; else the question that would take the walk further. */
  pending: PendingQuestion.nullable(),
  /** What people answered, pasted or overrode, by node id (pasted text is in the evidence too). */
  answers: Answers,
  evidence: z.array(Evidence),
  /** Each "verify the fix" run after the diagnosis, oldest first (absent when none was run). */
  verifications: z.array(Verification).optional(),
  /** Set when SSH evidence was asked for and logging in failed (the CLI then exits 4). */
  sshFailure: z
    .object({
      kind: z.string(),
      message: z.string(),
      /** The failed hop's index (1-based), 0 when the failure came from outside the SSH layer. */
      hop: z.number().int(),
      ...SshFailureDetail.shape,
    })
    .nullable(),
});
export type Report = z.infer<typeof Report>;

import { z } from 'zod';
import { Evidence, PathStep, Report } from './report';
import { ProbeAttempt, ProbeOptions, Resolution } from './probe';
import { Target } from './target';
import { PromptRequest, RememberableSecret } from './prompts';

/**
 * The four stages of a run, in order. The workstation probes always run; the login and the server's
 * checks only with SSH access and a failing address; deciding always ends the run.
 */
export const ACTIVITY_STAGES = ['workstation', 'login', 'server', 'decide'] as const;
export const ActivityStage = z.enum(ACTIVITY_STAGES);
export type ActivityStage = z.infer<typeof ActivityStage>;

/**
 * One piece of work the engine is doing now or has done: a lookup, the probes, one SSH hop, one
 * command on the server. Sent when it starts and again when it ends (same id), so the UI can show
 * what is running while it runs, not only what it found.
 */
export const Activity = z.object({
  id: z.string().min(1),
  stage: ActivityStage,
  /** What it is, for a person: "Logging in to jump host 1 of 2, alice@bastion:22". */
  label: z.string(),
  /** The command as a person would type it, when there is one. */
  command: z.string().nullable(),
  /** `skipped`: the stage does not apply to this run; the label says why. */
  state: z.enum(['running', 'done', 'failed', 'skipped']),
  /** When this state began (ISO). */
  at: z.string(),
  /** How long it took, once it has ended. */
  ms: z.number().nonnegative().nullable(),
});
export type Activity = z.infer<typeof Activity>;

/** What a running diagnosis streams to the UI (and the CLI's progress lines), in order. */
export const DiagnosisEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), target: Target, options: ProbeOptions, at: z.string() }),
  z.object({ type: z.literal('resolved'), resolution: Resolution }),
  z.object({ type: z.literal('probe'), attempt: ProbeAttempt }),
  z.object({ type: z.literal('activity'), activity: Activity }),
  z.object({ type: z.literal('evidence'), evidence: Evidence }),
  z.object({ type: z.literal('step'), step: PathStep }),
  /** The SSH layer needs a person: a host key to trust, a passphrase, a password, keyboard-interactive. */
  z.object({ type: z.literal('prompt'), prompt: PromptRequest }),
  /** The question is settled (answered, cancelled, or the run ended): its dialog closes. */
  z.object({ type: z.literal('prompt-closed'), id: z.string() }),
  /** Something the person should know that is not evidence: a damaged file of Portwise's moved aside. */
  z.object({ type: z.literal('notice'), message: z.string() }),
  /**
   * A password or passphrase the person asked to remember, once its hop logged in: saved for the
   * profile, or why not (the message says which; it never holds the secret).
   */
  z.object({ type: z.literal('secret'), profileId: z.string(), profileName: z.string(), kind: RememberableSecret, saved: z.boolean(), message: z.string() }),
  /**
   * The verdict. `historyId`: where the app saved the report in the history (null: not saved; a
   * `notice` said why). Absent outside the app (the CLI's own events).
   */
  z.object({ type: z.literal('finished'), report: Report, historyId: z.string().nullish() }),
  z.object({ type: z.literal('cancelled') }),
  z.object({ type: z.literal('failed'), message: z.string(), detail: z.string() }),
]);
export type DiagnosisEvent = z.infer<typeof DiagnosisEvent>;

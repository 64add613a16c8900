import { z } from 'zod';
import { Evidence, PathStep, Report } from './report';
import { ProbeAttempt, ProbeOptions, Resolution } from './probe';
import { Target } from './target';
import { PromptRequest } from './prompts';

/** What a running diagnosis streams to the UI (and the CLI's progress lines), in order. */
export const DiagnosisEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), target: Target, options: ProbeOptions, at: z.string() }),
  z.object({ type: z.literal('resolved'), resolution: Resolution }),
  z.object({ type: z.literal('probe'), attempt: ProbeAttempt }),
  z.object({ type: z.literal('evidence'), evidence: Evidence }),
  z.object({ type: z.literal('step'), step: PathStep }),
  /** The SSH layer needs a person: a host key to trust, a passphrase, a password, keyboard-interactive. */
  z.object({ type: z.literal('prompt'), prompt: PromptRequest }),
  /** The question is settled (answered, cancelled, or the run ended): its dialog closes. */
  z.object({ type: z.literal('prompt-closed'), id: z.string() }),
  z.object({ type: z.literal('finished'), report: Report }),
  z.object({ type: z.literal('cancelled') }),
  z.object({ type: z.literal('failed'), message: z.string(), detail: z.string() }),
]);
export type DiagnosisEvent = z.infer<typeof DiagnosisEvent>;

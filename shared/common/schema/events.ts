import { z } from 'zod';
import { Evidence, PathStep, Report } from './report';
import { ProbeAttempt, ProbeOptions, Resolution } from './probe';
import { Target } from './target';

/** What a running diagnosis streams to the UI (and the CLI's progress lines), in order. */
export const DiagnosisEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), target: Target, options: ProbeOptions, at: z.string() }),
  z.object({ type: z.literal('resolved'), resolution: Resolution }),
  z.object({ type: z.literal('probe'), attempt: ProbeAttempt }),
  z.object({ type: z.literal('evidence'), evidence: Evidence }),
  z.object({ type: z.literal('step'), step: PathStep }),
  z.object({ type: z.literal('finished'), report: Report }),
  z.object({ type: z.literal('cancelled') }),
  z.object({ type: z.literal('failed'), message: z.string(), detail: z.string() }),
]);
export type DiagnosisEvent = z.infer<typeof DiagnosisEvent>;

import { z } from 'zod';
import type { CallName, EventName } from './ipc-names';
import { DiagnosisEvent } from './schema/events';
import { ProbeOptions } from './schema/probe';
import { Answers } from './schema/answers';
import { Report } from './schema/report';
import { Target } from './schema/target';

/**
 * THE contract between the renderer and the main process: every call with its request and response
 * schema, every event with its payload schema. Main validates each request before it reaches the
 * engine; the renderer and the tests derive their types from here.
 */

const RunId = z.string().regex(/^[a-z0-9-]{1,64}$/);

export const calls = {
  startDiagnosis: {
    request: z.object({
      /** What the user typed; parsed in main with the same `parseTarget` the form uses. */
      target: z.string().max(2048),
      rounds: ProbeOptions.shape.rounds.optional(),
      timeoutMs: ProbeOptions.shape.timeoutMs.optional(),
    }).strict(),
    response: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), runId: RunId, target: Target }),
      z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  },
  cancelDiagnosis: {
    request: z.object({ runId: RunId }).strict(),
    response: z.object({ cancelled: z.boolean() }),
  },
  /**
   * Manual mode: walk a finished report's tree again with a person's answers (choices, pasted
   * output, overrides). The answers replace the report's previous ones.
   */
  answerDiagnosis: {
    request: z.object({ report: Report, answers: Answers }).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), report: Report }), z.object({ ok: z.literal(false), errors: z.array(z.string()) })]),
  },
  getAppInfo: {
    request: z.object({}).strict(),
    response: z.object({ name: z.string(), version: z.string(), platform: z.string() }),
  },
} as const satisfies Record<CallName, { request: z.ZodType; response: z.ZodType }>;

export const events = {
  onDiagnosisEvent: z.object({ runId: RunId, event: DiagnosisEvent }),
} as const satisfies Record<EventName, z.ZodType>;

export type CallRequest<N extends CallName> = z.input<(typeof calls)[N]['request']>;
export type CallResponse<N extends CallName> = z.output<(typeof calls)[N]['response']>;
export type EventPayload<N extends EventName> = z.output<(typeof events)[N]>;

/** What the preload exposes as `window.portwise`: one function per call, one subscriber per event. */
export type PortwiseApi = { [N in CallName]: (request: CallRequest<N>) => Promise<CallResponse<N>> } & {
  [N in EventName]: (listener: (payload: EventPayload<N>) => void) => () => void;
};

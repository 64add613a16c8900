import { z } from 'zod';

/** Which hop of a jump chain a question is about (index is 1-based; total counts the target). */
export const HopLabel = z.object({
  index: z.number().int().positive(),
  total: z.number().int().positive(),
  user: z.string(),
  host: z.string(),
  port: z.number().int(),
  role: z.enum(['jump', 'target']),
});

const id = z.string().regex(/^[a-z0-9-]{1,64}$/);

/**
 * What the SSH layer asks a person during a run, as the wizard shows it. It carries no secret: only
 * the answer, going the other way, may hold one, and it never reaches an event or a report.
 */
export const PromptRequest = z.discriminatedUnion('kind', [
  /** An unknown host key (a changed or revoked one is refused outright, never asked). */
  z.object({ kind: z.literal('host-key'), id, hop: HopLabel, keyType: z.string(), fingerprint: z.string() }),
  z.object({ kind: z.literal('passphrase'), id, hop: HopLabel, keyPath: z.string(), attempt: z.number().int() }),
  z.object({ kind: z.literal('password'), id, hop: HopLabel, attempt: z.number().int() }),
  z.object({
    kind: z.literal('keyboard-interactive'),
    id,
    hop: HopLabel,
    name: z.string(),
    instructions: z.string(),
    prompts: z.array(z.object({ prompt: z.string(), echo: z.boolean() })),
  }),
]);
export type PromptRequest = z.infer<typeof PromptRequest>;

/** A person's answer; null values (and `accept: false`) mean "cancel". */
export const PromptAnswer = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('host-key'), accept: z.boolean() }).strict(),
  z.object({ kind: z.literal('secret'), value: z.string().max(4096).nullable() }).strict(),
  z.object({ kind: z.literal('keyboard-interactive'), values: z.array(z.string().max(4096)).max(32).nullable() }).strict(),
]);
export type PromptAnswer = z.infer<typeof PromptAnswer>;

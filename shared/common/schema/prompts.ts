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

export type HopLabel = z.infer<typeof HopLabel>;

/** "[::1]:22" for IPv6 literals, "host:22" otherwise. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** "jump host 1 of 2, alice@bastion:22" / "target host 2 of 2, bob@db:22" / "target host bob@db:22". */
export function describeHop(hop: HopLabel): string {
  const where = `${hop.user}@${formatHostPort(hop.host, hop.port)}`;
  if (hop.total <= 1) return `${hop.role === 'jump' ? 'jump host' : 'target host'} ${where}`;
  return `${hop.role === 'jump' ? 'jump host' : 'target host'} ${hop.index} of ${hop.total}, ${where}`;
}

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

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

/** A saved profile's id (the same rule as schema/profile.ts, repeated to keep this module free of it). */
const profileId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

/** The kinds of secret the app can remember for a profile (never keyboard-interactive answers: they are often one-time codes). */
export const RememberableSecret = z.enum(['password', 'passphrase']);
export type RememberableSecret = z.infer<typeof RememberableSecret>;

/**
 * "Remember it" beside a password or passphrase question: offered when the hop is a saved profile.
 * `available: false` keeps the choice visible but disabled, with the reason (no system keyring...).
 */
export const RememberOffer = z.object({
  profileId,
  profileName: z.string(),
  available: z.boolean(),
  reason: z.string().nullable(),
});
export type RememberOffer = z.infer<typeof RememberOffer>;

/**
 * Why a saved secret is not being used this time, so the dialog can say so and offer to forget it:
 * the server (or the key) refused it, it cannot be decrypted, or the keyring cannot be used now.
 */
export const SavedSecretProblem = z.object({
  profileId,
  kind: RememberableSecret,
  problem: z.enum(['refused', 'unreadable', 'unavailable']),
  message: z.string(),
});
export type SavedSecretProblem = z.infer<typeof SavedSecretProblem>;

/**
 * What the SSH layer asks a person during a run, as the wizard shows it. It carries no secret: only
 * the answer, going the other way, may hold one, and it never reaches an event or a report.
 */
export const PromptRequest = z.discriminatedUnion('kind', [
  /** An unknown host key (a changed or revoked one is refused outright, never asked). */
  z.object({
    kind: z.literal('host-key'),
    id,
    hop: HopLabel,
    keyType: z.string(),
    fingerprint: z.string(),
    /** Where the key is written if trusted: Portwise's own file, and ~/.ssh/known_hosts when the person chose so. */
    writesTo: z.array(z.string()).optional(),
  }),
  z.object({
    kind: z.literal('passphrase'),
    id,
    hop: HopLabel,
    keyPath: z.string(),
    attempt: z.number().int(),
    remember: RememberOffer.optional(),
    saved: SavedSecretProblem.optional(),
  }),
  z.object({ kind: z.literal('password'), id, hop: HopLabel, attempt: z.number().int(), remember: RememberOffer.optional(), saved: SavedSecretProblem.optional() }),
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

/**
 * A person's answer; null values (and `accept: false`) mean "cancel". `remember` asks to save the
 * secret once the hop has logged in with it (only where the question offered it).
 */
export const PromptAnswer = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('host-key'), accept: z.boolean() }).strict(),
  z.object({ kind: z.literal('secret'), value: z.string().max(4096).nullable(), remember: z.boolean().optional() }).strict(),
  z.object({ kind: z.literal('keyboard-interactive'), values: z.array(z.string().max(4096)).max(32).nullable() }).strict(),
]);
export type PromptAnswer = z.infer<typeof PromptAnswer>;

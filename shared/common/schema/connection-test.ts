import { z } from 'zod';
import { HopLabel } from './prompts';

/**
 * "Test connection" for a saved profile: hop by hop, how far the login got (TCP, host key, login),
 * then what the server can run (the capability probe). Nothing is asked of a person during a test:
 * a login that needs a password or a passphrase says so, and an unknown host key is reported with
 * the key itself, so the person can compare and pin it.
 */
export const HopTest = z.object({
  hop: HopLabel,
  /** A hop after the first is reached through the previous hop's forward: `ok` means that forward opened. */
  tcp: z.enum(['ok', 'failed', 'not-tried']),
  hostKey: z.object({
    status: z.enum(['match', 'accepted-new', 'unknown', 'changed', 'revoked', 'not-checked', 'checked']),
    keyType: z.string().nullable(),
    fingerprint: z.string().nullable(),
    /** The presented key (public, base64) when it is unknown: what "Trust this key" pins. */
    key: z.string().nullable(),
  }),
  login: z.enum(['ok', 'failed', 'needs-secret', 'not-tried']),
  /** One sentence: what happened at this hop. */
  detail: z.string(),
});
export type HopTest = z.infer<typeof HopTest>;

export const ConnectionTest = z.object({
  ok: z.boolean(),
  ms: z.number().nonnegative(),
  hops: z.array(HopTest),
  /** The capability probe, once logged in to the server. */
  server: z
    .object({
      os: z.string().nullable(),
      uid: z.number().int(),
      user: z.string().nullable(),
      sudo: z.boolean(),
      systemd: z.boolean(),
      tools: z.array(z.string()),
    })
    .nullable(),
  /** Why the test stopped, for people; null when it got through. */
  message: z.string().nullable(),
});
export type ConnectionTest = z.infer<typeof ConnectionTest>;

import { z } from 'zod';

/** A host key as a server presents it: enough to pin it (the key is public, base64 as in known_hosts). */
export const PresentedKey = z
  .object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    keyType: z.string().regex(/^[\x21-\x7e]{1,64}$/),
    key: z.string().min(1).max(16_384).regex(/^[A-Za-z0-9+/]+={0,2}$/),
  })
  .strict();
export type PresentedKey = z.infer<typeof PresentedKey>;

/** One known_hosts entry as the manager shows it. */
export const KnownHostView = z.object({
  file: z.string(),
  line: z.number().int().positive(),
  /** Portwise's own file: the only one it writes. */
  writable: z.boolean(),
  marker: z.enum(['revoked', 'cert-authority']).nullable(),
  /** The host patterns as written; null for a hashed entry (its name cannot be read back). */
  patterns: z.array(z.string()).nullable(),
  keyType: z.string(),
  fingerprint: z.string(),
  comment: z.string(),
});
export type KnownHostView = z.infer<typeof KnownHostView>;

export const KnownHostsListing = z.object({
  entries: z.array(KnownHostView),
  skipped: z.array(z.object({ file: z.string(), line: z.number().int(), reason: z.string() })),
  missing: z.array(z.string()),
});
export type KnownHostsListing = z.infer<typeof KnownHostsListing>;

/** A change refused, in one sentence (a stale confirmation, a revoked key, a read-only file...). */
export const ManagerRefusal = z.object({ ok: z.literal(false), message: z.string() });

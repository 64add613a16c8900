import { z } from 'zod';
import { PROBE_LIMITS } from './limits';

/** How one TCP connect to one address ended (catalog §0.1). */
export const ConnectStatus = z.enum(['refused', 'timeout', 'unreachable', 'reset', 'connected']);
export type ConnectStatus = z.infer<typeof ConnectStatus>;

/** What the client saw for the whole target: a per-address status, a DNS failure, or a mix. */
export const Outcome = z.enum(['refused', 'timeout', 'unreachable', 'reset', 'connected', 'dns-failure', 'mixed']);
export type Outcome = z.infer<typeof Outcome>;

export const AddressFamily = z.union([z.literal(4), z.literal(6)]);
export type AddressFamily = z.infer<typeof AddressFamily>;

/** Where an address came from: typed as a literal, the hosts file, a DNS answer, or another NSS source. */
export const AddressSource = z.enum(['literal', 'hosts-file', 'dns', 'system']);
export type AddressSource = z.infer<typeof AddressSource>;

export const ResolvedAddress = z.object({
  address: z.string(),
  family: AddressFamily,
  sources: z.array(AddressSource),
  loopback: z.boolean(),
  /** The workstation's own interface holding this address, when it is local. */
  localInterface: z.string().nullable(),
});
export type ResolvedAddress = z.infer<typeof ResolvedAddress>;

export const Resolution = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('resolved'),
    name: z.string(),
    addresses: z.array(ResolvedAddress).min(1),
    /** False when the DNS queries could not be made (then sources say `system` where unknown). */
    dnsQueried: z.boolean(),
    /** Addresses DNS answered that getaddrinfo did not return (a hosts file or NSS overrides DNS). */
    dnsOnlyAddresses: z.array(z.string()),
    hostsFile: z.string().nullable(),
    ms: z.number().nonnegative(),
  }),
  z.object({
    status: z.literal('failed'),
    name: z.string(),
    errno: z.string(),
    message: z.string(),
    ms: z.number().nonnegative(),
  }),
]);
export type Resolution = z.infer<typeof Resolution>;

export const ProbeAttempt = z.object({
  address: z.string(),
  family: AddressFamily,
  port: z.number().int(),
  /** 1-based round number: every address is probed once per round. */
  round: z.number().int().positive(),
  startedAt: z.number(),
  ms: z.number().nonnegative(),
  status: ConnectStatus,
  /** errno name (ECONNREFUSED, ETIMEDOUT, ...), or EOF for a peer that closed right after accepting. */
  errno: z.string().nullable(),
  detail: z.string(),
  /** For `reset`: the connection was accepted first, then closed or reset by the peer. */
  afterConnect: z.boolean(),
  /** The first bytes the peer sent, as text, when it sent any within the grace window. */
  banner: z.string().nullable(),
});
export type ProbeAttempt = z.infer<typeof ProbeAttempt>;

const within = (bounds: { readonly min: number; readonly max: number }) => z.number().int().min(bounds.min).max(bounds.max);

export const ProbeOptions = z.object({
  rounds: within(PROBE_LIMITS.rounds),
  timeoutMs: within(PROBE_LIMITS.timeoutMs),
  /** Pause between rounds: spaced probes catch intermittency without tripping ICMP rate limits. */
  spacingMs: within(PROBE_LIMITS.spacingMs),
  /** After a connect, how long to watch for the peer closing at once (accept-then-close). */
  closeGraceMs: within(PROBE_LIMITS.closeGraceMs),
});
export type ProbeOptions = z.infer<typeof ProbeOptions>;

// Kept in the zod-free limits.ts for the renderer's first screen; the engine and the CLI read it here.
export { defaultProbeOptions } from './limits';

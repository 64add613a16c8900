import { z } from 'zod';

/** A target as the engine takes it; `parseTarget` (target-text.ts) makes one from what the user types. */

export const HostKind = z.enum(['name', 'ipv4', 'ipv6']);
export type HostKind = z.infer<typeof HostKind>;

export const Port = z.number().int().min(1).max(65535);

export const Target = z.object({
  host: z.string().min(1).max(253),
  port: Port,
  hostKind: HostKind,
});
export type Target = z.infer<typeof Target>;

// The parser and formatters live in the zod-free target-text.ts; most of the app imports them from here.
export { formatAddressPort, formatTarget, parseTarget, shown, type TargetError, type TargetErrorCode } from './target-text';

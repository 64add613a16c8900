import type { ProbeOptions } from './probe';

/**
 * The bounds and defaults the IPC contract's schemas are built from, without zod. The renderer's
 * first screen needs them (its inputs' bounds, its defaults, its checks) before it is shown, and zod
 * builds every schema when its module loads: the window would pay for that first. The schemas
 * (probe.ts, ipc.ts) take their numbers from here, and test/unit/schema/limits.test.ts holds each
 * check below to the schema it stands in for.
 */

/** Each probe option's bounds, inclusive, in whole numbers. */
export const PROBE_LIMITS = {
  rounds: { min: 1, max: 10 },
  timeoutMs: { min: 100, max: 60_000 },
  spacingMs: { min: 0, max: 10_000 },
  closeGraceMs: { min: 0, max: 5_000 },
} as const;

export const defaultProbeOptions: ProbeOptions = { rounds: 3, timeoutMs: 3000, spacingMs: 500, closeGraceMs: 250 };

/** A typed `user@host[:port]` (server or jump host), and how many jump hosts one access may chain. */
export const SSH_LIMITS = { destinationMax: 300, maxJumps: 8 } as const;

/** A systemd unit name: at most this long, and no control characters. */
export const SERVICE_NAME_MAX = 256;
// eslint-disable-next-line no-control-regex -- control characters are what is refused
export const SERVICE_NAME_PATTERN = /^[^\u0000-\u001f\u007f]+$/;

/** Fleet mode's bounds: servers at once (the engine, the form, the CLI) and how many servers one run takes. */
export const FLEET_LIMITS = { defaultConcurrency: 8, maxConcurrency: 32, maxServers: 256 } as const;

/** What `z.number().int().min(min).max(max)` accepts. */
export function isWholeNumberWithin(value: unknown, bounds: { readonly min: number; readonly max: number }): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= bounds.min && value <= bounds.max;
}

/** What the contract's service name schema accepts. */
export function isServiceName(text: string): boolean {
  return text.length <= SERVICE_NAME_MAX && SERVICE_NAME_PATTERN.test(text);
}

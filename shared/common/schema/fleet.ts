import { z } from 'zod';
import { Outcome } from './probe';
import { Confidence, Report } from './report';

/**
 * `portwise fleet`: one port diagnosed on N servers (the replicas behind a load balancer), each
 * server being both the target host and the SSH destination. The schemas of what the CLI prints
 * with --json (`portwise.fleet/1`); the pure rows and verdict are built in report/fleet.ts.
 */

export const FLEET_SCHEMA = 'portwise.fleet/1';

/**
 * Why a server has no full diagnosis. A refused login still has its report (the probe from this
 * computer stands); a cancelled or failed run has none.
 */
export const FleetFailure = z.discriminatedUnion('kind', [
  /** The SSH login (or the capability probe right after it) failed: the report's sshFailure says how. */
  z.object({ kind: z.literal('login-failed'), sshKind: z.string(), message: z.string(), hop: z.number().int() }),
  /** The fleet was cancelled (Ctrl-C) before this server's run ended, or before it started. */
  z.object({ kind: z.literal('cancelled'), message: z.string() }),
  /** The run stopped on an internal error. */
  z.object({ kind: z.literal('failed'), message: z.string(), detail: z.string() }),
]);
export type FleetFailure = z.infer<typeof FleetFailure>;

/** One server of the fleet, as it ended. */
export const FleetServerResult = z.object({
  /** How the table names it: the profile's name, or user@host[:port] as given. */
  server: z.string(),
  /** The SSH destination, user@host[:port]. */
  destination: z.string(),
  /** The saved profile it came from (null: --ssh). */
  profile: z.string().nullable(),
  /** host:port probed from this computer. */
  target: z.string(),
  report: Report.nullable(),
  failure: FleetFailure.nullable(),
});
export type FleetServerResult = z.infer<typeof FleetServerResult>;

/** One line of the side-by-side table, in words (the JSON keeps them whole; the terminal may cut them). */
export const FleetRow = z.object({
  server: z.string(),
  target: z.string(),
  /** What the probes from this computer got: "Refused", "Connected", "Mixed: Connected ×2, Refused ×1"... */
  probe: z.string(),
  /** The report's outcome; null without a report. */
  outcome: Outcome.nullable(),
  /** Who listens on the port on the server: "0.0.0.0:5432 (postgres)", "Nothing listens on port 5432", or why it is not known. */
  listening: z.string(),
  /** What the rule (or policy) whose counter rose with the probes does ("REJECT tcp-reset (+3)"), or what is known about the firewall. */
  firewall: z.string(),
  /** That rule whole: "iptables-nft filter INPUT: -A INPUT -p tcp ... -j REJECT --reject-with tcp-reset" (null: none). */
  rule: z.string().nullable(),
  /** The cause id (null without a report). */
  cause: z.string().nullable(),
  title: z.string().nullable(),
  confidence: Confidence.nullable(),
  failure: z.enum(['login-failed', 'cancelled', 'failed']).nullable(),
});
export type FleetRow = z.infer<typeof FleetRow>;

export const FleetVerdict = z.object({
  /** One line: "3 of 20 refuse: service-not-running on a, b; iptables-reject on c." */
  text: z.string(),
  total: z.number().int(),
  /** Servers whose every probe from here connected. */
  connected: z.number().int(),
  /** Servers with a report whose probes did not all connect. */
  failing: z.number().int(),
  /** The failing servers by cause, the largest group first. */
  groups: z.array(z.object({ cause: z.string(), title: z.string(), servers: z.array(z.string()) })),
  loginFailed: z.array(z.string()),
  cancelled: z.array(z.string()),
  failed: z.array(z.string()),
});
export type FleetVerdict = z.infer<typeof FleetVerdict>;

export const FleetDocument = z.object({
  schema: z.literal(FLEET_SCHEMA),
  port: z.number().int(),
  servers: z.array(FleetServerResult),
  rows: z.array(FleetRow),
  verdict: FleetVerdict,
});
export type FleetDocument = z.infer<typeof FleetDocument>;

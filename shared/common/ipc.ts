import { z } from 'zod';
import type { CallName, EventName } from './ipc-names';
import { Activity, DiagnosisEvent } from './schema/events';
import { FleetDocument, FleetServerResult } from './schema/fleet';
import { ProbeAttempt, ProbeOptions } from './schema/probe';
import { PromptAnswer, RememberableSecret } from './schema/prompts';
import { Confidence, Report, Symptom } from './schema/report';
import { Outcome } from './schema/probe';
import { Answers } from './schema/answers';
import { Target } from './schema/target';
import { KnownHostView, KnownHostsListing, ManagerRefusal, PresentedKey } from './schema/known-hosts';
import { Profile, ProfileId, ProfilePatch } from './schema/profile';
import { ConnectionTest } from './schema/connection-test';
import { Settings } from './schema/settings';
import { FLEET_LIMITS, SERVICE_NAME_MAX, SERVICE_NAME_PATTERN, SSH_LIMITS } from './schema/limits';

/**
 * THE contract between the renderer and the main process: every call with its request and response
 * schema, every event with its payload schema. Main validates each request before it reaches the
 * engine; the renderer and the tests derive their types from here.
 */

const RunId = z.string().regex(/^[a-z0-9-]{1,64}$/);

const ServiceName = z.string().min(1).max(SERVICE_NAME_MAX).regex(SERVICE_NAME_PATTERN, 'no control characters');
/** A typed `user@host[:port]`, parsed in main. */
const SshDestinationText = z.string().min(1).max(SSH_LIMITS.destinationMax);

/** How to reach the server: not at all (manual mode), or over SSH (`user@host[:port]`, parsed in main). */
export const Access = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z
    .object({
      kind: z.literal('ssh'),
      destination: SshDestinationText,
      jumps: z.array(SshDestinationText).max(SSH_LIMITS.maxJumps),
      identityFiles: z.array(z.string().min(1).max(4096)).max(8).optional(),
      /** May root-only reads be retried with `sudo -n` (never a password prompt)? */
      sudo: z.boolean(),
    })
    .strict(),
  /** A saved profile: its chain of jump hosts, each hop's own login, its sudo policy. */
  z.object({ kind: z.literal('profile'), id: ProfileId }).strict(),
]);
export type Access = z.infer<typeof Access>;

/** Why the profile store refused a change: a sentence, and per field where the form can show it. */
export const ProfileStoreError = z.object({
  code: z.enum(['not-found', 'invalid', 'in-use', 'read-only']),
  message: z.string(),
  problems: z.array(z.object({ field: z.string().nullable(), message: z.string() })),
});

/** A saved report's id in the history (its file name without `.json`). */
export const HistoryId = z.string().regex(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/);

/** What the history list shows of one saved report, without reading it whole. */
export const HistoryEntry = z.object({
  id: HistoryId,
  /** `host:port` as the engine parsed it. */
  target: z.string(),
  /** What the person typed. */
  input: z.string(),
  finishedAt: z.string(),
  outcome: Outcome,
  cause: z.string(),
  title: z.string(),
  confidence: Confidence,
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** The file formats a report exports to (`.md`, `.html`, `.json`, `.pdf`). */
export const ExportFormat = z.enum(['md', 'html', 'json', 'pdf']);
/** What redaction may replace beside the secrets, which always go. */
export const RedactClassName = z.enum(['hosts', 'ips', 'users', 'paths']);

/** Re-probes after a fix: the attempts before (from the report) and after, per address. */
export const VerifyResult = z.discriminatedUnion('ok', [
  /** `at`: when the probes after the fix started; the page and the saved history entry record the same time. */
  z.object({ ok: z.literal(true), at: z.string(), before: z.array(ProbeAttempt), after: z.array(ProbeAttempt), fixed: z.boolean() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

// In the zod-free limits.ts, which the renderer's first screen reads; the rest of the app reads it here.
export { FLEET_LIMITS } from './schema/limits';

/**
 * One server of a fleet run: a saved profile (its own jump chain, keys, sudo policy and usual
 * service), or `user@host[:port]` as typed (parsed in main with the CLI's parser; logs in directly).
 */
export const FleetServerChoice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('profile'), id: ProfileId }).strict(),
  z.object({ kind: z.literal('ssh'), destination: SshDestinationText }).strict(),
]);
export type FleetServerChoice = z.infer<typeof FleetServerChoice>;

/** A server of a started fleet run as main resolved it, in the order given (the events name it by this position). */
export const FleetServerInfo = z.object({
  /** How the table names it: the profile's name, or a typed destination as `formatSshDestination` writes it. */
  label: z.string(),
  /** user@host[:port] logged in to. */
  destination: z.string(),
  /** The saved profile's name (null: typed). */
  profile: z.string().nullable(),
  /** host:port probed from this computer. */
  target: z.string(),
});
export type FleetServerInfo = z.infer<typeof FleetServerInfo>;

/** The whole run once it ended: the CLI's `portwise.fleet/1` document without its tag, and whether it was cancelled. */
export const FleetOutcome = FleetDocument.omit({ schema: true }).extend({ cancelled: z.boolean() });
export type FleetOutcome = z.infer<typeof FleetOutcome>;

const ServerIndex = z.number().int().nonnegative();

/** What a fleet run streams, per server by its position, then once for the whole run. */
export const FleetEvent = z.discriminatedUnion('type', [
  /** The server took one of the `concurrency` slots: its diagnosis has begun. */
  z.object({ type: z.literal('server-started'), index: ServerIndex }),
  /** Its diagnosis's progress: an activity began or ended (the lookup, the probes, a hop, a command). */
  z.object({ type: z.literal('server-activity'), index: ServerIndex, activity: Activity }),
  /**
   * It ended (in completion order; `done` counts the servers ended so far). Its report is saved to
   * the history first: `historyId` is where (null: no report, or it could not be saved and a notice said why).
   */
  z.object({ type: z.literal('server-done'), index: ServerIndex, done: z.number().int().positive(), result: FleetServerResult, historyId: HistoryId.nullable() }),
  /** Something to know that is not evidence (a saved secret unreadable, a report not saved), about one server or (null) the run. */
  z.object({ type: z.literal('notice'), index: ServerIndex.nullable(), message: z.string() }),
  z.object({ type: z.literal('finished'), outcome: FleetOutcome }),
  /** The run itself stopped on an internal error (each server's own failure is in its result instead). */
  z.object({ type: z.literal('failed'), message: z.string(), detail: z.string() }),
]);
export type FleetEvent = z.infer<typeof FleetEvent>;

export const calls = {
  startDiagnosis: {
    request: z.object({
      /** What the user typed; parsed in main with the same `parseTarget` the form uses. */
      target: z.string().max(2048),
      rounds: ProbeOptions.shape.rounds.optional(),
      timeoutMs: ProbeOptions.shape.timeoutMs.optional(),
      /** The service that should answer (a systemd unit name): its state is read, the fix is written for it. */
      service: ServiceName.optional(),
      /** What the user saw, in their words' category; compared with what the probes get. */
      symptom: Symptom.optional(),
      access: Access.optional(),
    }).strict(),
    response: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), runId: RunId, target: Target }),
      z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  },
  /** A person's answer to a `prompt` event of a running diagnosis. `accepted: false`: no such question is waiting. */
  answerPrompt: {
    request: z.object({ runId: RunId, promptId: z.string().regex(/^[a-z0-9-]{1,80}$/), answer: PromptAnswer }).strict(),
    response: z.object({ accepted: z.boolean() }),
  },
  /** After a fix: probe the failing addresses of a finished report again, and compare. */
  verifyFix: {
    /** `historyId`: the run's entry in the history, which gets the result added to its `verifications`. */
    request: z.object({ report: Report, historyId: HistoryId.optional() }).strict(),
    response: VerifyResult,
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
    /** `historyId`: the run's entry in the history, which the revised report replaces. */
    request: z.object({ report: Report, answers: Answers, historyId: HistoryId.optional() }).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), report: Report }), z.object({ ok: z.literal(false), errors: z.array(z.string()) })]),
  },
  getAppInfo: {
    request: z.object({}).strict(),
    response: z.object({ name: z.string(), version: z.string(), platform: z.string() }),
  },
  /** Every host key Portwise trusts (its own file and the user's, read-only), or those for one host:port. */
  listKnownHosts: {
    request: z.object({ host: z.string().min(1).max(255).optional(), port: z.number().int().min(1).max(65535).optional() }).strict(),
    response: KnownHostsListing,
  },
  /** Trust a key for a host that has none of its type on record (written to Portwise's own file only). */
  pinHostKey: {
    request: z.object({ key: PresentedKey }).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), alreadyTrusted: z.boolean(), fingerprint: z.string(), writtenTo: z.array(z.string()) }), ManagerRefusal]),
  },
  /**
   * Replace a changed key after a person compared both fingerprints: `confirmedOld` are the old
   * fingerprints they were shown; the call is refused when the record no longer holds exactly those.
   */
  repinHostKey: {
    request: z.object({ key: PresentedKey, confirmedOld: z.array(z.string().min(1).max(200)).min(1).max(16) }).strict(),
    response: z.discriminatedUnion('ok', [
      z.object({
        ok: z.literal(true),
        fingerprint: z.string(),
        removed: z.number().int(),
        staleElsewhere: z.array(z.object({ file: z.string(), line: z.number().int(), fingerprint: z.string(), command: z.string() })),
      }),
      ManagerRefusal,
    ]),
  },
  /** The saved profiles; `notices` says what the store had to do (a damaged file moved aside, a newer file read-only). */
  listProfiles: {
    request: z.object({}).strict(),
    response: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), profiles: z.array(Profile), notices: z.array(z.string()) }),
      z.object({ ok: z.literal(false), error: ProfileStoreError }),
    ]),
  },
  /** Creates a profile (no id) or changes one; validated by the same schema as the CLI's. */
  saveProfile: {
    request: z.object({ id: ProfileId.optional(), fields: ProfilePatch }).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), profile: Profile }), z.object({ ok: z.literal(false), error: ProfileStoreError })]),
  },
  /** Refused while another profile jumps through it. */
  removeProfile: {
    request: z.object({ id: ProfileId }).strict(),
    response: z.discriminatedUnion('ok', [
      /** `warning`: removed, but its saved secrets could not be deleted (the sentence says why). */
      z.object({ ok: z.literal(true), profile: Profile, warning: z.string().optional() }),
      z.object({ ok: z.literal(false), error: ProfileStoreError }),
    ]),
  },
  /**
   * Profiles from an ssh_config (default ~/.ssh/config): `preview` plans and writes nothing;
   * `save` plans again against the profiles as they are now and saves in order. The preview is
   * the CLI's text (everything from the file escaped).
   */
  importSshConfig: {
    request: z
      .object({
        file: z.string().min(1).max(4096).regex(/^(\/|~\/)[^\0\n\r]*$/, 'an absolute path, or one under ~/').optional(),
        mode: z.enum(['preview', 'save']),
        update: z.boolean(),
      })
      .strict(),
    response: z.discriminatedUnion('ok', [
      z.object({
        ok: z.literal(true),
        preview: z.string(),
        counts: z.object({ create: z.number().int(), update: z.number().int(), skip: z.number().int(), rejected: z.number().int() }),
        saved: z.object({ created: z.array(z.string()), updated: z.array(z.string()), skipped: z.array(z.string()) }).nullable(),
        /** Why saving stopped part way (what is in `saved` was saved). */
        stopped: z.string().nullable(),
      }),
      z.object({ ok: z.literal(false), message: z.string() }),
    ]),
  },
  /** Log in through a saved profile's chain and run the capability probe, asking nothing: per hop, how far it got. */
  testProfile: {
    request: z.object({ id: ProfileId }).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), test: ConnectionTest }), z.object({ ok: z.literal(false), error: ProfileStoreError })]),
  },
  /** The shared preferences (settings.json), what reading them found, and the known_hosts files they name. */
  getSettings: {
    request: z.object({}).strict(),
    response: z.object({ settings: Settings, notices: z.array(z.string()), writable: z.boolean(), files: z.object({ own: z.string(), openSsh: z.string() }) }),
  },
  saveSettings: {
    request: z.object({ settings: Settings.partial() }).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), settings: Settings, notices: z.array(z.string()) }), z.object({ ok: z.literal(false), message: z.string() })]),
  },
  /**
   * Deletes a profile's saved password or passphrase (from a login's dialog when it was refused or
   * cannot be read, or from the profile list). Works without a keyring: forgetting is always possible.
   */
  forgetSecret: {
    request: z.object({ profileId: ProfileId, kind: RememberableSecret }).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), deleted: z.boolean() }), z.object({ ok: z.literal(false), message: z.string() })]),
  },
  /** Remove one entry of Portwise's own file, named by line and the fingerprint the person saw there. */
  removeHostKey: {
    request: z.object({ file: z.string().min(1).max(4096), line: z.number().int().positive(), fingerprint: z.string().min(1).max(200) }).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), removed: KnownHostView }), ManagerRefusal]),
  },
  /** The saved reports, newest first; `notices` names damaged files moved aside while reading. */
  listHistory: {
    request: z.object({}).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), entries: z.array(HistoryEntry), notices: z.array(z.string()) }), z.object({ ok: z.literal(false), message: z.string() })]),
  },
  /** One saved report, whole, to open, export again or compare. */
  getHistoryReport: {
    request: z.object({ id: HistoryId }).strict(),
    response: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), report: Report }),
      z.object({ ok: z.literal(false), error: z.object({ code: z.enum(['not-found', 'bad-id', 'unreadable']), message: z.string() }) }),
    ]),
  },
  /** Removes every saved report; `removed` is how many went. */
  clearHistory: {
    request: z.object({}).strict(),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), removed: z.number().int().nonnegative() }), z.object({ ok: z.literal(false), message: z.string() })]),
  },
  /**
   * A report as a file to save: rendered and redacted in main (secrets always, the chosen classes
   * too), never trusted from the page. Text formats come back as text, the PDF as base64.
   * `replaced` counts what redaction replaced, by kind; it never says what.
   */
  exportReport: {
    request: z.object({ report: Report, format: ExportFormat, redact: z.array(RedactClassName).max(4) }).strict(),
    response: z.discriminatedUnion('ok', [
      z.object({
        ok: z.literal(true),
        fileName: z.string(),
        mimeType: z.string(),
        encoding: z.enum(['utf8', 'base64']),
        content: z.string(),
        replaced: z.record(z.string(), z.number().int().nonnegative()),
      }),
      z.object({ ok: z.literal(false), message: z.string() }),
    ]),
  },
  /**
   * Fleet mode: one port diagnosed on every server given, a few at a time, each server both the
   * probe's target and the SSH destination. Nothing is asked mid-run: an unknown host key is refused
   * unless `acceptNewHostKeys` (a changed one always is), and secrets come only from the saved ones.
   */
  startFleet: {
    request: z
      .object({
        port: z.number().int().min(1).max(65535),
        servers: z.array(FleetServerChoice).min(1).max(FLEET_LIMITS.maxServers),
        /** The service that should listen on every server; a profile's usual service otherwise. */
        service: ServiceName.optional(),
        concurrency: z.number().int().min(1).max(FLEET_LIMITS.maxConcurrency).optional(),
        /** Probe rounds per address and each connect's deadline on every server, as a diagnosis takes them. */
        rounds: ProbeOptions.shape.rounds.optional(),
        timeoutMs: ProbeOptions.shape.timeoutMs.optional(),
        /** For the typed destinations: retry root-only reads with `sudo -n` (a profile keeps its own policy). */
        sudo: z.boolean(),
        acceptNewHostKeys: z.boolean(),
      })
      .strict(),
    response: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), fleetId: RunId, port: z.number().int(), concurrency: z.number().int(), servers: z.array(FleetServerInfo) }),
      z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  },
  /** Cancels every server's run, started or not. `cancelled: false`: the run had ended (its `finished` event is sent) or never was. */
  cancelFleet: {
    request: z.object({ fleetId: RunId }).strict(),
    response: z.object({ cancelled: z.boolean() }),
  },
} as const satisfies Record<CallName, { request: z.ZodType; response: z.ZodType }>;

export const events = {
  onDiagnosisEvent: z.object({ runId: RunId, event: DiagnosisEvent }),
  onFleetEvent: z.object({ fleetId: RunId, event: FleetEvent }),
} as const satisfies Record<EventName, z.ZodType>;

export type CallRequest<N extends CallName> = z.input<(typeof calls)[N]['request']>;
export type CallResponse<N extends CallName> = z.output<(typeof calls)[N]['response']>;
export type EventPayload<N extends EventName> = z.output<(typeof events)[N]>;

/** What the preload exposes as `window.portwise`: one function per call, one subscriber per event. */
export type PortwiseApi = { [N in CallName]: (request: CallRequest<N>) => Promise<CallResponse<N>> } & {
  [N in EventName]: (listener: (payload: EventPayload<N>) => void) => () => void;
};

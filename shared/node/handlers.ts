import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { calls, events, FLEET_LIMITS, type CallResponse, type EventPayload } from '../common/ipc';
import type { CallName, EventName } from '../common/ipc-names';
import { parseTarget } from '../common/schema/target';
import { defaultProbeOptions } from '../common/schema/probe';
import { startDiagnosis, type RunningDiagnosis } from './session';
import { PromptBroker } from './prompt-broker';
import { verifyFix } from './verify';
import type { DiagnosisEvent } from '../common/schema/events';
import type { Access } from '../common/ipc';
import { destinationKey, formatSshDestination, parseSshChain, parseSshDestination } from '../common/schema/ssh-destination';
import type { SshAccess } from './remote/access';
import { reviseReport } from '../common/tree/revise';
import { listKnownHosts, pinHostKey, removeHostKey, repinHostKey, type KnownHostsFiles } from './store/known-hosts-manager';
import { openSshKnownHostsFile, ownKnownHostsFile, userKnownHostsFiles } from './paths';
import { readSettings, saveSettings } from './store/settings-store';
import { openProfileStore, type ProfileStore, type StoreError } from './store/profile-store';
import { accessForChain } from './remote/profile-access';
import { testConnection } from './remote/test-connection';
import { applyImportPlan, planImportForStore } from './store/ssh-config-import';
import { renderImportPreview } from '../common/ssh-config/import-preview';
import { expandHome } from './remote/profile-access';
import type { z as zod } from 'zod';
import type { FleetEvent, FleetServerChoice, ProfileStoreError } from '../common/ipc';
import type { Profile } from '../common/schema/profile';
import type { HopLabel } from '../common/schema/prompts';
import type { PromptPort } from './ssh/prompt';
import { SecretStore, unavailableCipher, type SecretCipher } from './store/secret-store';
import { secretHops, withSavedSecrets } from './remote/saved-secrets';
import { openHistoryStore, type HistoryStore } from './store/history-store';
import { fsErrorWords } from './store/atomic-file';
import { FileLockBusyError } from './store/file-lock';
import type { Report, Verification } from '../common/schema/report';
import { EXPORT_MIME, exportFileName, renderReportFile, type PrintPdf } from './report/export';
import { withRawDigests } from './output-digest';
import { fleetTarget, runFleet, type FleetServer } from './fleet';
import type { FleetServerResult } from '../common/schema/fleet';

/** Where events go: Electron sends them to the window; the browser tests dispatch them into the page. */
export interface EventSink {
  emit<N extends EventName>(name: N, payload: EventPayload<N>): void;
}

export interface AppInfo {
  name: string;
  version: string;
  platform: string;
}

export interface HandlerDeps {
  sink: EventSink;
  appInfo: AppInfo;
  /** The environment SSH reads (agent socket, PORTWISE_HOME, USER); the process's own by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * Encrypts saved passwords and passphrases: Electron's safeStorage in the app
   * (electron/main/safe-storage-cipher.ts). Without one, nothing is saved and the dialogs say why.
   */
  secretCipher?: SecretCipher;
  /**
   * Prints a report's HTML to PDF: Electron's printToPDF in the app (electron/main/print-pdf.ts).
   * Without one, a PDF export is refused with a sentence that points to the HTML export.
   */
  printPdf?: PrintPdf;
}

const NO_KEYRING = 'Passwords are not saved: this Portwise was started without access to a system keyring.';

/** A fleet's prompt port: nobody is asked anything mid-run (host keys follow the policy chosen up front). */
const ASK_NOTHING: PromptPort = { confirmHostKey: async () => false, passphrase: async () => null, password: async () => null, keyboardInteractive: async () => null };

/** A payload that failed its schema: reported to the caller, never passed to the engine. */
export class IpcValidationError extends Error {
  constructor(
    readonly call: string,
    readonly issues: string,
  ) {
    super(`Invalid request to ${call}: ${issues}`);
    this.name = 'IpcValidationError';
  }
}

export type HandlerTable = { [N in CallName]: (request: unknown) => Promise<CallResponse<N>> };

function parseRequest<N extends CallName>(name: N, request: unknown) {
  const parsed = calls[name].request.safeParse(request);
  if (!parsed.success) throw new IpcValidationError(name, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return parsed.data as z.output<(typeof calls)[N]['request']>;
}

/**
 * The one handler table: Electron registers it with ipcMain, the browser tests expose it to the page.
 * Every request is validated against the contract before anything touches the engine, and every
 * event is validated before it leaves, so a bug cannot leak an off-contract payload to the UI.
 */
export function createHandlerTable(deps: HandlerDeps): HandlerTable & { dispose(): void } {
  const runs = new Map<string, { run: RunningDiagnosis; prompts: PromptBroker }>();
  /** Fleet runs going on, by id: aborting the controller cancels every server's run. */
  const fleets = new Map<string, AbortController>();
  const env = deps.env ?? process.env;
  // The same files the SSH layer reads: the user's (read only) and Portwise's own (the one written).
  const knownHostsFiles = (): KnownHostsFiles => ({ own: ownKnownHostsFile(env), user: userKnownHostsFiles(env) });
  /** For a pin, the only change that may also go to OpenSSH's file: the person's setting says whether it does. */
  const pinTargets = async (): Promise<KnownHostsFiles> => {
    const { settings } = await readSettings(env);
    return { ...knownHostsFiles(), alsoWrite: settings.knownHostsWrites === 'portwise-and-openssh' ? openSshKnownHostsFile(env) : null };
  };
  const profileStore = (onNotice?: (message: string) => void): ProfileStore => openProfileStore({ env, ...(onNotice ? { onNotice: (n) => onNotice(n.message) } : {}) });
  const cipher = deps.secretCipher ?? unavailableCipher(NO_KEYRING);
  const secretStore = (onNotice?: (message: string) => void): SecretStore => new SecretStore({ cipher, env, ...(onNotice ? { onNotice: (n) => onNotice(n.message) } : {}) });

  /**
   * A saved profile's logins with its saved secrets: the run's prompt port answers from the store
   * once per hop, and what the person asks to remember is saved when its hop logs in, then marked on
   * the profile. Each outcome is told to the person (`report`).
   */
  function savedSecretsFor(chain: readonly Profile[], prompt: PromptPort, offerRemember: boolean, report: (event: DiagnosisEvent) => void): { port: PromptPort; onHopLoggedIn(hop: HopLabel): Promise<void>; discard(): void } {
    const vault = secretStore((message) => report({ type: 'notice', message }));
    const secrets = withSavedSecrets(prompt, secretHops(chain), vault, { offerRemember });
    return {
      port: secrets.port,
      discard: () => secrets.discard(),
      async onHopLoggedIn(hop) {
        const outcome = await secrets.hopLoggedIn(hop).catch(() => null);
        if (outcome === null) return;
        let message = outcome.message;
        if (outcome.saved) {
          const marked = await profileStore().markSecret(outcome.profileId, outcome.kind);
          if (!marked.ok) message = `${message} The profile could not record it: ${marked.error.message}`;
        }
        report({ type: 'secret', profileId: outcome.profileId, profileName: outcome.profileName, kind: outcome.kind, saved: outcome.saved, message });
      },
    };
  }

  /**
   * The wizard's access choice as the engine's SSH access: destinations parsed with the CLI's parser,
   * a saved profile expanded into its chain; unknown host keys are asked of the person (never
   * accepted silently).
   */
  async function remoteAccessOf(
    access: Access | undefined,
  ): Promise<{ ok: true; value: SshAccess | null; serviceHint: string | null; chain: readonly Profile[] } | { ok: false; error: { code: string; message: string } }> {
    if (!access || access.kind === 'none') return { ok: true, value: null, serviceHint: null, chain: [] };
    if (access.kind === 'profile') {
      const chain = await profileStore().chain(access.id);
      if (!chain.ok) return { ok: false, error: { code: `profile-${chain.error.code}`, message: chain.error.message } };
      const server = chain.value[chain.value.length - 1];
      return { ok: true, value: accessForChain(chain.value, { knownHostsFiles: [], hostKeyPolicy: 'ask', sudo: false }, env), serviceHint: server?.serviceHint ?? null, chain: chain.value };
    }
    const chain = parseSshChain(access.destination, access.jumps);
    if (!chain.ok) {
      const { which, message } = chain.error;
      return { ok: false, error: which === 'jump' ? { code: 'bad-jump-host', message: `Jump host: ${message}` } : { code: 'bad-ssh-destination', message } };
    }
    return {
      ok: true,
      value: { ...chain.value, identityFiles: access.identityFiles ?? [], knownHostsFiles: [], hostKeyPolicy: 'ask', sudo: access.sudo },
      serviceHint: null,
      chain: [],
    };
  }

  /**
   * A fleet's servers as the engine takes them, in the order given: a profile with its own chain
   * (and its saved secrets), a typed destination logging in directly, as `portwise fleet --profile`
   * and `--ssh` do. Each server once; the first one that cannot be used refuses the whole run.
   */
  async function fleetServersOf(
    choices: readonly FleetServerChoice[],
    options: { service: string | null; sudo: boolean; acceptNewHostKeys: boolean },
  ): Promise<{ ok: true; servers: { server: FleetServer; chain: readonly Profile[] }[] } | { ok: false; error: { code: string; message: string } }> {
    // Nobody is there to ask mid-run: unknown keys follow the person's choice made up front.
    const hostKeyPolicy = options.acceptNewHostKeys ? 'accept-new' : 'refuse';
    const servers: { server: FleetServer; chain: readonly Profile[] }[] = [];
    const seen = new Set<string>();
    for (const choice of choices) {
      if (choice.kind === 'profile') {
        const chain = await profileStore().chain(choice.id);
        if (!chain.ok) return { ok: false, error: { code: `profile-${chain.error.code}`, message: chain.error.message } };
        const profile = chain.value[chain.value.length - 1] as Profile;
        if (seen.has(`profile:${profile.id}`)) return { ok: false, error: { code: 'duplicate-server', message: `"${profile.name}" is chosen twice: each server once.` } };
        seen.add(`profile:${profile.id}`);
        const access = accessForChain(chain.value, { knownHostsFiles: [], hostKeyPolicy, sudo: false }, env);
        servers.push({ server: { label: profile.name, profile: profile.name, access, service: options.service ?? profile.serviceHint }, chain: chain.value });
        continue;
      }
      const destination = parseSshDestination(choice.destination);
      if (!destination.ok) return { ok: false, error: { code: 'bad-ssh-destination', message: destination.error.message } };
      const d = destination.value;
      const key = `ssh:${destinationKey(d)}`;
      if (seen.has(key)) return { ok: false, error: { code: 'duplicate-server', message: `${formatSshDestination(d)} is given twice: each server once.` } };
      seen.add(key);
      const access: SshAccess = { destination: d, jumps: [], identityFiles: [], knownHostsFiles: [], hostKeyPolicy, sudo: options.sudo };
      servers.push({ server: { label: formatSshDestination(d), profile: null, access, service: options.service }, chain: [] });
    }
    return { ok: true, servers };
  }

  const emit = <N extends EventName>(name: N, payload: EventPayload<N>) => deps.sink.emit(name, events[name].parse(payload) as EventPayload<N>);

  const history = (): HistoryStore => openHistoryStore({ env });
  /** `what` failed, and why, as a sentence: another Portwise holds the history, or the file system said no (and where). */
  const historyFailure = (what: string, error: unknown): string =>
    error instanceof FileLockBusyError ? `${what}: ${error.message}` : `${what}: ${fsErrorWords(error)} (${history().dir}).`;

  /**
   * A run's events as the page gets them: a finished report is saved to the history first, so the
   * `finished` event carries its id (null, after a `notice` saying why, when it could not be saved).
   * Events after it wait for the save, so none overtakes it.
   */
  function historyRecorder(forward: (event: DiagnosisEvent) => void): (event: DiagnosisEvent) => void {
    let saving: Promise<void> | null = null;
    // Synchronously, an event that fails its schema throws into the engine; once queued, it is logged, and the next still goes.
    const queued = (event: DiagnosisEvent) => {
      try {
        forward(event);
      } catch (error) {
        console.error(`[portwise] a ${event.type} event was not sent:`, error);
      }
    };
    return (event) => {
      if (saving) {
        saving = saving.then(() => queued(event));
        return;
      }
      if (event.type !== 'finished') return forward(event);
      saving = history()
        .save(event.report)
        .then(
          (id): string | null => id,
          (error: unknown) => {
            queued({ type: 'notice', message: historyFailure('This diagnosis was not saved to the history', error) });
            return null;
          },
        )
        .then((historyId) => queued({ ...event, historyId }));
    };
  }

  /**
   * Keeps a run's history entry current after the run (a manual-mode answer, a verify-the-fix run).
   * The call's own result does not depend on it, so a failure is logged, never thrown at the page.
   */
  async function updateHistory(historyId: string | undefined, change: (saved: Report) => Report): Promise<void> {
    if (historyId === undefined) return;
    try {
      const updated = await history().update(historyId, change);
      if (!updated.ok) console.warn(`[portwise] history entry ${historyId} not updated: ${updated.error.message}`);
    } catch (error) {
      console.warn(`[portwise] ${historyFailure(`history entry ${historyId} not updated`, error)}`);
    }
  }

  const table: HandlerTable = {
    async startDiagnosis(request) {
      const req = parseRequest('startDiagnosis', request);
      const target = parseTarget(req.target);
      if (!target.ok) return { ok: false, error: target.error };
      const access = await remoteAccessOf(req.access);
      if (!access.ok) return { ok: false, error: access.error };
      const runId = randomUUID();
      const onEvent = historyRecorder((event) => emit('onDiagnosisEvent', { runId, event }));
      const prompts = new PromptBroker(
        runId,
        (prompt) => onEvent({ type: 'prompt', prompt }),
        (id) => onEvent({ type: 'prompt-closed', id }),
      );
      // The form's service wins; a saved profile's usual service is the default.
      const service = req.service ?? access.serviceHint;
      // Only a saved profile has somewhere to keep a password: a typed destination is asked each time.
      const secrets = access.chain.length > 0 ? savedSecretsFor(access.chain, prompts.port, true, onEvent) : null;
      const run = startDiagnosis({
        runId,
        input: req.target,
        target: target.value,
        options: { ...defaultProbeOptions, ...(req.rounds ? { rounds: req.rounds } : {}), ...(req.timeoutMs ? { timeoutMs: req.timeoutMs } : {}) },
        onEvent,
        ...(deps.env ? { env: deps.env } : {}),
        remote: access.value
          ? { access: access.value, service, prompt: secrets?.port ?? prompts.port, ...(secrets ? { onHopLoggedIn: (hop: HopLabel) => secrets.onHopLoggedIn(hop) } : {}) }
          : null,
        serviceHint: service,
        symptom: req.symptom ?? null,
      });
      runs.set(runId, { run, prompts });
      void run.done.finally(() => {
        secrets?.discard();
        prompts.close();
        runs.delete(runId);
      });
      return calls.startDiagnosis.response.parse({ ok: true, runId, target: target.value });
    },
    async cancelDiagnosis(request) {
      const { runId } = parseRequest('cancelDiagnosis', request);
      const entry = runs.get(runId);
      if (!entry) return { cancelled: false };
      // A question still open would hold the run: cancelling answers it with "no".
      entry.prompts.close();
      entry.run.cancel();
      return { cancelled: true };
    },
    async answerPrompt(request) {
      const { runId, promptId, answer } = parseRequest('answerPrompt', request);
      return { accepted: runs.get(runId)?.prompts.answer(promptId, answer) ?? false };
    },
    async verifyFix(request) {
      const { report, historyId } = parseRequest('verifyFix', request);
      const result = calls.verifyFix.response.parse(await verifyFix(report));
      if (result.ok) {
        const verification: Verification = { at: result.at, before: result.before, after: result.after, fixed: result.fixed };
        await updateHistory(historyId, (saved) => ({ ...saved, verifications: [...(saved.verifications ?? []), verification] }));
      }
      return result;
    },
    async answerDiagnosis(request) {
      const { report, answers, historyId } = parseRequest('answerDiagnosis', request);
      const walked = reviseReport(report, answers, new Date());
      if (!walked.ok) return calls.answerDiagnosis.response.parse({ ok: false, errors: walked.error });
      // Pasted outputs join the evidence here: each gets the digest of its text, like collected output.
      const revised = { ok: true as const, value: withRawDigests(walked.value) };
      // The saved entry's verify-the-fix runs are its own record (one may have ended after the page sent this report).
      await updateHistory(historyId, (saved) => ({ ...revised.value, ...(saved.verifications ? { verifications: saved.verifications } : {}) }));
      return calls.answerDiagnosis.response.parse({ ok: true, report: revised.value });
    },
    async getAppInfo(request) {
      parseRequest('getAppInfo', request);
      return calls.getAppInfo.response.parse(deps.appInfo);
    },
    async listKnownHosts(request) {
      const { host, port } = parseRequest('listKnownHosts', request);
      const filter = host === undefined ? undefined : { host, port: port ?? 22 };
      return calls.listKnownHosts.response.parse(await listKnownHosts(knownHostsFiles(), filter));
    },
    async pinHostKey(request) {
      const { key } = parseRequest('pinHostKey', request);
      const result = await pinHostKey(await pinTargets(), key);
      return calls.pinHostKey.response.parse(result.ok ? { ok: true, ...result.value } : result);
    },
    async repinHostKey(request) {
      const { key, confirmedOld } = parseRequest('repinHostKey', request);
      const result = await repinHostKey(knownHostsFiles(), key, confirmedOld);
      return calls.repinHostKey.response.parse(result.ok ? { ok: true, ...result.value } : result);
    },
    async listProfiles(request) {
      parseRequest('listProfiles', request);
      const notices: string[] = [];
      const listed = await profileStore((notice) => notices.push(notice)).list();
      return calls.listProfiles.response.parse(listed.ok ? { ok: true, profiles: listed.value, notices } : { ok: false, error: storeError(listed.error) });
    },
    async saveProfile(request) {
      const { id, fields } = parseRequest('saveProfile', request);
      const store = profileStore();
      const saved = id === undefined ? await store.add(fields) : await store.edit(id, fields);
      return calls.saveProfile.response.parse(saved.ok ? { ok: true, profile: saved.value } : { ok: false, error: storeError(saved.error) });
    },
    async removeProfile(request) {
      const { id } = parseRequest('removeProfile', request);
      const removed = await profileStore().remove(id);
      if (!removed.ok) return calls.removeProfile.response.parse({ ok: false, error: storeError(removed.error) });
      // Its saved secrets go with it. Deleting needs no keyring; if the file cannot be written, say so.
      const forgotten = await secretStore().deleteProfile(removed.value.id);
      return calls.removeProfile.response.parse({ ok: true, profile: removed.value, ...(forgotten.ok ? {} : { warning: `${forgotten.error.message} Its saved secrets may remain.` }) });
    },
    async importSshConfig(request) {
      const { file, mode, update } = parseRequest('importSshConfig', request);
      const store = profileStore();
      const planned = await planImportForStore(store, env, { file: file ? expandHome(file, env) : null, update });
      if (!planned.ok) return calls.importSshConfig.response.parse({ ok: false, message: planned.error.error.message });
      const plan = planned.value;
      const count = (action: string) => plan.profiles.filter((p) => p.action === action).length;
      const counts = { create: count('create'), update: count('update'), skip: count('skip-existing'), rejected: plan.rejected.length };
      const applied = mode === 'save' ? await applyImportPlan(store, plan, (error) => error.message) : null;
      return calls.importSshConfig.response.parse({
        ok: true,
        preview: renderImportPreview(plan),
        counts,
        saved: applied?.done ?? null,
        stopped: applied?.error ? `Stopped at "${applied.error.name}": ${applied.error.message}` : null,
      });
    },
    async testProfile(request) {
      const { id } = parseRequest('testProfile', request);
      const chain = await profileStore().chain(id);
      if (!chain.ok) return calls.testProfile.response.parse({ ok: false, error: storeError(chain.error) });
      const access = accessForChain(chain.value, { knownHostsFiles: [], hostKeyPolicy: 'refuse', sudo: false }, env);
      // A test asks nothing, but a saved password or passphrase is used, as a diagnosis would.
      const notices: string[] = [];
      const vault = secretStore((message) => notices.push(message));
      const test = await testConnection(access, env, { wrapPrompt: (silent) => withSavedSecrets(silent, secretHops(chain.value), vault, { offerRemember: false }).port });
      return calls.testProfile.response.parse({ ok: true, test: notices.length > 0 ? { ...test, message: [test.message, ...notices].filter(Boolean).join(' ') } : test });
    },
    async getSettings(request) {
      parseRequest('getSettings', request);
      const read = await readSettings(env);
      return calls.getSettings.response.parse({ ...read, files: { own: ownKnownHostsFile(env), openSsh: openSshKnownHostsFile(env) } });
    },
    async saveSettings(request) {
      const { settings } = parseRequest('saveSettings', request);
      return calls.saveSettings.response.parse(await saveSettings(settings, env));
    },
    async forgetSecret(request) {
      const ref = parseRequest('forgetSecret', request);
      const deleted = await secretStore().delete(ref);
      if (!deleted.ok) return calls.forgetSecret.response.parse({ ok: false, message: deleted.error.message });
      const profile = await profileStore().get(ref.profileId);
      // The profile may be gone, or say another kind: only a flag naming this secret is cleared.
      if (profile.ok && profile.value.secret === ref.kind) {
        const marked = await profileStore().markSecret(ref.profileId, 'none');
        if (!marked.ok) return calls.forgetSecret.response.parse({ ok: false, message: `The secret was deleted, but the profile could not record it: ${marked.error.message}` });
      }
      return calls.forgetSecret.response.parse({ ok: true, deleted: deleted.deleted });
    },
    async removeHostKey(request) {
      const entry = parseRequest('removeHostKey', request);
      const result = await removeHostKey(knownHostsFiles(), entry);
      return calls.removeHostKey.response.parse(result.ok ? { ok: true, ...result.value } : result);
    },
    async listHistory(request) {
      parseRequest('listHistory', request);
      try {
        const listed = await history().list();
        return calls.listHistory.response.parse({ ok: true, ...listed });
      } catch (error) {
        return calls.listHistory.response.parse({ ok: false, message: historyFailure('The history could not be read', error) });
      }
    },
    async getHistoryReport(request) {
      const { id } = parseRequest('getHistoryReport', request);
      try {
        return calls.getHistoryReport.response.parse(await history().get(id));
      } catch (error) {
        return calls.getHistoryReport.response.parse({ ok: false, error: { code: 'unreadable', message: historyFailure('The saved report could not be read', error) } });
      }
    },
    async clearHistory(request) {
      parseRequest('clearHistory', request);
      try {
        return calls.clearHistory.response.parse({ ok: true, removed: await history().clear() });
      } catch (error) {
        return calls.clearHistory.response.parse({ ok: false, message: historyFailure('The history could not be cleared', error) });
      }
    },
    async startFleet(request) {
      const req = parseRequest('startFleet', request);
      const built = await fleetServersOf(req.servers, { service: req.service ?? null, sudo: req.sudo, acceptNewHostKeys: req.acceptNewHostKeys });
      if (!built.ok) return calls.startFleet.response.parse({ ok: false, error: built.error });
      const servers = built.servers.map((s) => s.server);
      // Named before anything starts: the events refer to the servers by their place in this list.
      const infos = servers.map((server) => ({ label: server.label, destination: formatSshDestination(server.access.destination), profile: server.profile, target: fleetTarget(server, req.port).input }));
      const fleetId = randomUUID();
      const controller = new AbortController();
      fleets.set(fleetId, controller);
      // As many at once as asked, and never more than there are servers (what the page shows).
      const concurrency = Math.min(req.concurrency ?? FLEET_LIMITS.defaultConcurrency, servers.length);
      // Checked before it leaves; once the engine runs, a bad event is logged, never thrown into a run.
      const send = (event: FleetEvent) => {
        try {
          emit('onFleetEvent', { fleetId, event });
        } catch (error) {
          console.error(`[portwise] a fleet ${event.type} event was not sent:`, error);
        }
      };
      const indexOf = new Map(servers.map((server, index) => [server, index]));
      const chainOf = new Map(built.servers.map((s) => [s.server, s.chain]));

      // Saved one after the other (the history folder has one lock), each as its server ends; the
      // server's end is sent once its report is saved, so the page can open it from the history.
      let saving: Promise<void> = Promise.resolve();
      const onServerDone = (result: FleetServerResult, index: number, done: number) => {
        const report = result.report;
        saving = saving.then(async () => {
          let historyId: string | null = null;
          if (report) {
            try {
              historyId = await history().save(report);
            } catch (error) {
              send({ type: 'notice', index, message: historyFailure(`The report of ${result.server} was not saved to the history`, error) });
            }
          }
          send({ type: 'server-done', index, done, result, historyId });
        });
      };

      void runFleet({
        port: req.port,
        servers,
        options: { ...defaultProbeOptions, ...(req.rounds ? { rounds: req.rounds } : {}), ...(req.timeoutMs ? { timeoutMs: req.timeoutMs } : {}) },
        concurrency,
        env,
        // Nothing is asked mid-run: every question is declined, and a profile's saved secret answers
        // its hop once (a refused one is not retried), as "Test connection" does.
        promptFor: (server) => {
          const chain = chainOf.get(server) ?? [];
          if (chain.length === 0) return ASK_NOTHING;
          const index = indexOf.get(server) ?? null;
          const vault = secretStore((message) => send({ type: 'notice', index, message }));
          return withSavedSecrets(ASK_NOTHING, secretHops(chain), vault, { offerRemember: false }).port;
        },
        signal: controller.signal,
        onServerStarted: (index) => send({ type: 'server-started', index }),
        onEvent: (index, event) => {
          if (event.type === 'activity') send({ type: 'server-activity', index, activity: event.activity });
          else if (event.type === 'notice') send({ type: 'notice', index, message: event.message });
        },
        onServerDone,
      })
        .then(async (fleet) => {
          await saving;
          send({ type: 'finished', outcome: { port: fleet.port, servers: fleet.servers, rows: fleet.rows, verdict: fleet.verdict, cancelled: fleet.cancelled } });
        })
        .catch((error: unknown) => {
          console.error('[portwise] a fleet run stopped:', error);
          send({ type: 'failed', message: 'The fleet run stopped on an internal error.', detail: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        })
        .finally(() => fleets.delete(fleetId));

      return calls.startFleet.response.parse({ ok: true, fleetId, port: req.port, concurrency, servers: infos });
    },
    async cancelFleet(request) {
      const { fleetId } = parseRequest('cancelFleet', request);
      const controller = fleets.get(fleetId);
      if (!controller) return { cancelled: false };
      controller.abort();
      return { cancelled: true };
    },
    async exportReport(request) {
      const { report, format, redact } = parseRequest('exportReport', request);
      const classes = new Set(redact);
      const rendered = await renderReportFile(report, format, classes, deps.printPdf ?? null);
      if (!rendered.ok) return calls.exportReport.response.parse({ ok: false, message: rendered.message });
      const { content, replaced } = rendered;
      return calls.exportReport.response.parse({
        ok: true,
        fileName: exportFileName(report, format, classes),
        mimeType: EXPORT_MIME[format],
        ...(typeof content === 'string' ? { encoding: 'utf8', content } : { encoding: 'base64', content: Buffer.from(content).toString('base64') }),
        replaced,
      });
    },
  };
  return {
    ...table,
    dispose() {
      for (const { run, prompts } of runs.values()) {
        prompts.close();
        run.cancel();
      }
      runs.clear();
      for (const controller of fleets.values()) controller.abort();
      fleets.clear();
    },
  };
}

/** The store's refusal as the contract carries it (every code has a sentence; `invalid` has its fields). */
function storeError(error: StoreError): zod.infer<typeof ProfileStoreError> {
  return { code: error.code, message: error.message, problems: error.code === 'invalid' ? error.problems.map((p) => ({ field: p.field, message: p.message })) : [] };
}


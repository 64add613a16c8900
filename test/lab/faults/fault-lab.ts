// Helpers for the fault matrix (issue 9 §4): a real diagnosis, in this process, against the lab's
// namespaced sshd, with a folder of shims first on the login's PATH, and a watch for unhandled
// rejections pinned to the test that caused them.
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { DiagnosisEvent } from '../../../shared/common/schema/events';
import { Report, type Evidence } from '../../../shared/common/schema/report';
import { parseTarget } from '../../../shared/common/schema/target';
import { startDiagnosis, type RunEnd } from '../../../shared/node/session';
import type { SshAccess } from '../../../shared/node/remote/access';
import type { PromptPort } from '../../../shared/node/ssh/prompt';

/** A folder of shims on the server's PATH: each test writes the ones it needs, and they go after it. */
export function useShims(dir: string) {
  afterEach(async () => {
    for (const name of await readdir(dir).catch(() => [])) await rm(join(dir, name), { force: true, recursive: true });
  });
  return {
    dir,
    /** A `#!/bin/sh` script named `name`: it stands in for the real program of that name. */
    async add(name: string, body: string): Promise<void> {
      await mkdir(dir, { recursive: true, mode: 0o755 });
      const path = join(dir, name);
      await writeFile(path, `#!/bin/sh\n${body}\n`);
      await chmod(path, 0o755);
    },
  };
}

/**
 * Unhandled rejections and uncaught exceptions, each failing the test it happened in (vitest fails
 * the run on them too, but names no test when one comes late). Also checked after each test's own
 * teardown had a moment to run.
 */
export function failOnUnhandled(): void {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  const onException = (error: unknown) => seen.push(error);
  beforeEach(() => {
    seen.length = 0;
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  afterEach(async () => {
    // Late ones (a socket's error after close) surface on a later tick.
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    expect(seen.map((e) => (e instanceof Error ? (e.stack ?? e.message) : String(e))), 'unhandled rejections or exceptions').toEqual([]);
  });
}

/** A prompt that must never be asked (key logins), or that answers a password. */
export function promptPort(password: string | null = null): PromptPort & { asked: string[] } {
  const asked: string[] = [];
  const refuse = (what: string) => {
    asked.push(what);
    return Promise.reject(new Error(`unexpected prompt: ${what}`));
  };
  return {
    asked,
    confirmHostKey: () => refuse('confirmHostKey'),
    passphrase: () => refuse('passphrase'),
    password: () => {
      asked.push('password');
      return password === null ? refuse('password') : Promise.resolve(password);
    },
    keyboardInteractive: () => refuse('keyboardInteractive'),
  };
}

export interface FaultRun {
  end: RunEnd;
  report: Report;
  events: DiagnosisEvent[];
  ms: number;
  /** The evidence with this id (`server:` prefixed for server commands), or a failed expectation. */
  evidence(id: string): Evidence;
  /** Every server command's evidence. */
  server(): Evidence[];
}

export interface FaultDiagnosis {
  /** host:port that refuses (in the lab namespace). */
  target: string;
  user: string;
  sshHost: string;
  sshPort: number;
  identityFile: string;
  knownHostsFile: string;
  home: string;
  service?: string | null;
  password?: string | null;
  /** Called for each event as it comes: tests inject their fault when a command starts. */
  onEvent?: (event: DiagnosisEvent) => void;
  sudo?: boolean;
}

/** A whole diagnosis, as the CLI's `diagnose HOST:PORT --ssh USER@HOST` runs it, with a finished report. */
export async function diagnose(d: FaultDiagnosis): Promise<FaultRun> {
  const target = parseTarget(d.target);
  if (!target.ok) throw new Error(target.error.message);
  const access: SshAccess = {
    destination: { user: d.user, host: d.sshHost, port: d.sshPort },
    jumps: [],
    identityFiles: [d.identityFile],
    knownHostsFiles: [d.knownHostsFile],
    hostKeyPolicy: 'refuse',
    sudo: d.sudo ?? false,
  };
  const events: DiagnosisEvent[] = [];
  const env = { HOME: d.home, PORTWISE_HOME: join(d.home, 'portwise'), PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' };
  const started = Date.now();
  const run = startDiagnosis({
    runId: `fault-${started}`,
    input: d.target,
    target: target.value,
    options: { rounds: 1, timeoutMs: 1000, spacingMs: 0, closeGraceMs: 0 },
    env,
    // Every event must match its schema: a fault must not leak an untyped value into the stream.
    onEvent: (e) => {
      events.push(DiagnosisEvent.parse(e));
      d.onEvent?.(e);
    },
    remote: { access, service: d.service ?? null, prompt: promptPort(d.password ?? null) },
  });
  const end = await run.done;
  const ms = Date.now() - started;
  if (end.status !== 'finished') throw new Error(`the diagnosis did not finish: ${end.status}${end.status === 'failed' ? `: ${end.message}\n${end.detail}` : ''}`);
  const report = Report.parse(end.report);
  expect(events.at(-1)?.type).toBe('finished');
  return {
    end,
    report,
    events,
    ms,
    evidence(id) {
      const found = report.evidence.find((e) => e.id === id);
      expect(found, `evidence ${id} among ${report.evidence.map((e) => `${e.id}=${e.status}`).join(', ')}`).toBeDefined();
      return found as Evidence;
    },
    server: () => report.evidence.filter((e) => e.id.startsWith('server:')),
  };
}

/** `id=status` of every server command, for failure messages. */
export const statuses = (run: FaultRun) => run.server().map((e) => `${e.id}=${e.status}: ${e.summary}`).join('\n');

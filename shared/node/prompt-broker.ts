import type { PromptAnswer, PromptRequest } from '../common/schema/prompts';
import type { PasswordQuestion, PromptPort, RememberChoice } from './ssh/prompt';

type Pending = { request: PromptRequest; settle(answer: PromptAnswer | null): void };

/**
 * The wizard's prompt port for one run: each question the SSH layer asks becomes a `prompt` event,
 * and waits for `answer` (the `answerPrompt` call). Secrets only travel in answers and are handed to
 * the SSH layer, never kept here or echoed. Closing the broker (cancel, run end) declines all.
 */
export class PromptBroker {
  private readonly pending = new Map<string, Pending>();
  private sequence = 0;
  private closed = false;

  constructor(
    private readonly runId: string,
    private readonly onPrompt: (request: PromptRequest) => void,
    private readonly onClosed: (id: string) => void,
  ) {}

  /** True when a prompt with this id was waiting and the answer fits its kind. */
  answer(id: string, answer: PromptAnswer): boolean {
    const waiting = this.pending.get(id);
    if (!waiting || !fits(waiting.request, answer)) return false;
    waiting.settle(answer);
    return true;
  }

  close(): void {
    this.closed = true;
    for (const waiting of [...this.pending.values()]) waiting.settle(null);
  }

  readonly port: PromptPort = {
    confirmHostKey: async (q) => {
      const a = await this.ask({ kind: 'host-key', id: this.nextId(), hop: q.hop, keyType: q.keyType, fingerprint: q.fingerprint, ...(q.writesTo ? { writesTo: [...q.writesTo] } : {}) });
      return a?.kind === 'host-key' && a.accept;
    },
    passphrase: async (q) => {
      const a = await this.ask({ kind: 'passphrase', id: this.nextId(), hop: q.hop, keyPath: q.keyPath, attempt: q.attempt, ...secretExtras(q) });
      return secretOf(a, q.remember);
    },
    password: async (q) => {
      const a = await this.ask({ kind: 'password', id: this.nextId(), hop: q.hop, attempt: q.attempt, ...secretExtras(q) });
      return secretOf(a, q.remember);
    },
    keyboardInteractive: async (q) => {
      const a = await this.ask({ kind: 'keyboard-interactive', id: this.nextId(), hop: q.hop, name: q.name, instructions: q.instructions, prompts: q.prompts });
      if (a?.kind !== 'keyboard-interactive' || a.values === null) return null;
      // The answers must match the prompts one for one; anything else is a cancel, not a guess.
      return a.values.length === q.prompts.length ? a.values : null;
    },
  };

  private nextId(): string {
    return `${this.runId.slice(0, 40)}-p${++this.sequence}`;
  }

  private ask(request: PromptRequest): Promise<PromptAnswer | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.pending.set(request.id, {
        request,
        settle: (answer) => {
          if (!this.pending.delete(request.id)) return;
          this.onClosed(request.id);
          resolve(answer);
        },
      });
      this.onPrompt(request);
    });
  }
}

function fits(request: PromptRequest, answer: PromptAnswer): boolean {
  switch (request.kind) {
    case 'host-key':
      return answer.kind === 'host-key';
    case 'passphrase':
    case 'password':
      return answer.kind === 'secret';
    case 'keyboard-interactive':
      return answer.kind === 'keyboard-interactive';
  }
}

/** The offer and the saved-secret problem as the event carries them: data only, never the `keep` callback. */
function secretExtras(q: Pick<PasswordQuestion, 'remember' | 'saved'>): Pick<PromptRequest & { kind: 'password' }, 'remember' | 'saved'> {
  const { remember, saved } = q;
  return {
    ...(remember ? { remember: { profileId: remember.profileId, profileName: remember.profileName, available: remember.available, reason: remember.reason } } : {}),
    ...(saved ? { saved: { ...saved } } : {}),
  };
}

/** The typed value; kept for saving only when the person asked and saving was offered as possible. */
function secretOf(answer: PromptAnswer | null, remember: RememberChoice | undefined): string | null {
  if (answer?.kind !== 'secret' || answer.value === null) return null;
  if (answer.remember === true && remember?.available) remember.keep(answer.value);
  return answer.value;
}

/**
 * Saved passwords and passphrases during a login through saved profiles (docs/secrets.md).
 *
 * Wraps the run's prompt port: a hop whose profile has a saved secret answers its first question of
 * that kind from the store, without asking; if the server (or the key file) refuses it, the next
 * question goes to the person, saying so and offering to forget it. A question the person answers
 * carries a "remember" offer; what they typed is held in memory and saved only once that hop has
 * logged in with it (`hopLoggedIn`), never before, so a wrong password is never remembered.
 */
import type { Profile } from '../../common/schema/profile';
import type { RememberableSecret, SavedSecretProblem } from '../../common/schema/prompts';
import type { HopLabel, PassphraseQuestion, PasswordQuestion, PromptPort, RememberChoice } from '../ssh/prompt';
import type { CipherStatus, SecretGetResult, SecretRef, SecretSetResult } from '../store/secret-store';

/** What this layer needs of the secret store. */
export interface SecretVault {
  status(): CipherStatus;
  get(ref: SecretRef): Promise<SecretGetResult>;
  set(ref: SecretRef, value: string): Promise<SecretSetResult>;
}

/** The secret a hop may use, from its profile; null for a hop that has none to save (agent only, keyboard-interactive). */
export interface SecretHop {
  profileId: string;
  profileName: string;
  kind: RememberableSecret;
}

/**
 * Which secret each hop of a profile chain can save, in hop order: a password login saves its
 * password; a key (or the agent plus a key file) saves the key's passphrase. Keyboard-interactive
 * answers are never saved: they are often one-time codes.
 */
export function secretHops(chain: readonly Profile[]): (SecretHop | null)[] {
  return chain.map((p) => {
    if (p.auth === 'password') return { profileId: p.id, profileName: p.name, kind: 'password' };
    if ((p.auth === 'key' || p.auth === 'agent') && p.keyPath !== null) return { profileId: p.id, profileName: p.name, kind: 'passphrase' };
    return null;
  });
}

/** After a hop logged in: its typed secret was saved, or why it was not. */
export interface SaveOutcome {
  hop: HopLabel;
  profileId: string;
  profileName: string;
  kind: RememberableSecret;
  saved: boolean;
  message: string;
}

export interface SavedSecrets {
  port: PromptPort;
  /** The hop logged in: save what the person asked to remember for it. Null when there was nothing to save. */
  hopLoggedIn(hop: HopLabel): Promise<SaveOutcome | null>;
  /** Forgets every typed value still held (the run is over). */
  discard(): void;
}

export interface SavedSecretsOptions {
  /** Offer "remember" on the questions a person answers (false where nobody answers, as in a connection test). */
  offerRemember: boolean;
}

const WORDS: Record<RememberableSecret, string> = { password: 'password', passphrase: 'key passphrase' };

interface HopState {
  /** The saved secret was looked up already: it is offered once per hop and run. */
  looked: boolean;
  /** The last answer came from the store (so a next question means it was refused). */
  answeredFromStore: boolean;
  /** What the person typed and asked to remember, until the hop logs in. */
  pending: string | null;
}

export function withSavedSecrets(inner: PromptPort, hops: readonly (SecretHop | null)[], vault: SecretVault, options: SavedSecretsOptions): SavedSecrets {
  const states = new Map<number, HopState>();
  const stateOf = (index: number): HopState => {
    let state = states.get(index);
    if (!state) states.set(index, (state = { looked: false, answeredFromStore: false, pending: null }));
    return state;
  };
  const secretHopOf = (hop: HopLabel, kind: RememberableSecret): SecretHop | null => {
    const found = hops[hop.index - 1] ?? null;
    return found?.kind === kind ? found : null;
  };

  const remembering = (owner: SecretHop, state: HopState): RememberChoice | undefined => {
    if (!options.offerRemember) return undefined;
    const status = vault.status();
    return {
      profileId: owner.profileId,
      profileName: owner.profileName,
      available: status.ok,
      reason: status.ok ? null : status.reason,
      keep: (value) => {
        state.pending = value;
      },
    };
  };

  /** Answers from the store once per hop; otherwise asks the person, telling them what went wrong with the saved one. */
  async function answer<Q extends PasswordQuestion | PassphraseQuestion>(kind: RememberableSecret, question: Q, ask: (q: Q) => Promise<string | null>): Promise<string | null> {
    const owner = secretHopOf(question.hop, kind);
    if (owner === null) return ask(question);
    const state = stateOf(question.hop.index);
    let saved: SavedSecretProblem | undefined;
    if (state.answeredFromStore) {
      state.answeredFromStore = false;
      saved = {
        profileId: owner.profileId,
        kind,
        problem: 'refused',
        message:
          kind === 'password'
            ? `The saved password for "${owner.profileName}" was refused by the server.`
            : `The saved passphrase for "${owner.profileName}" did not unlock the key.`,
      };
    } else if (!state.looked) {
      state.looked = true;
      const stored = await vault.get({ profileId: owner.profileId, kind });
      if (stored.ok) {
        state.answeredFromStore = true;
        return stored.value;
      }
      if (stored.error.kind !== 'not-found') {
        const problem = stored.error.kind === 'encryption-unavailable' || stored.error.kind === 'newer-file' || stored.error.kind === 'io' ? 'unavailable' : 'unreadable';
        saved = { profileId: owner.profileId, kind, problem, message: stored.error.message };
      }
    }
    // A value typed for an earlier question of this hop was refused (it is being asked again): never save it.
    state.pending = null;
    const remember = remembering(owner, state);
    return ask({ ...question, ...(remember ? { remember } : {}), ...(saved ? { saved } : {}) });
  }

  const port: PromptPort = {
    confirmHostKey: (q) => inner.confirmHostKey(q),
    keyboardInteractive: (q) => inner.keyboardInteractive(q),
    password: (q) => answer('password', q, (asked) => inner.password(asked)),
    passphrase: (q) => answer('passphrase', q, (asked) => inner.passphrase(asked)),
  };

  return {
    port,
    async hopLoggedIn(hop) {
      const state = states.get(hop.index);
      const owner = hops[hop.index - 1] ?? null;
      const value = state?.pending ?? null;
      if (!state || owner === null || value === null) return null;
      state.pending = null;
      const result = await vault.set({ profileId: owner.profileId, kind: owner.kind }, value);
      const which = `The ${WORDS[owner.kind]} for "${owner.profileName}"`;
      return {
        hop,
        profileId: owner.profileId,
        profileName: owner.profileName,
        kind: owner.kind,
        saved: result.ok,
        message: result.ok ? `${which} was saved, encrypted by the system keyring.` : result.error.message,
      };
    },
    discard() {
      for (const state of states.values()) state.pending = null;
    },
  };
}

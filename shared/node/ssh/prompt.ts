/**
 * The prompt port: everything the SSH layer may ask a person. The wizard implements it with dialogs,
 * the CLI with a TTY (or refuses in batch mode). Returning null means the user cancelled: the
 * connection attempt then ends with an SshError of kind 'cancelled'.
 */
import type { RememberOffer, SavedSecretProblem } from '../../common/schema/prompts';

/** Which hop of a jump chain a question or an error is about (index is 1-based; total counts the target). */
export interface HopLabel {
  index: number;
  total: number;
  user: string;
  host: string;
  port: number;
  role: 'jump' | 'target';
}

export interface HostKeyQuestion {
  hop: HopLabel;
  keyType: string;
  /** As OpenSSH prints it: `SHA256:` + unpadded base64. */
  fingerprint: string;
  status: 'unknown';
  /** The known_hosts files the key is written to if trusted (Portwise's own, and ~/.ssh/known_hosts if the person chose so). */
  writesTo?: readonly string[];
}

/**
 * Added to a password or passphrase question by the saved-secrets layer (remote/saved-secrets.ts)
 * when the hop is a saved profile. A port that shows a "remember" choice calls `keep` with the value
 * the person typed when they chose it; saving waits until the hop has logged in with it.
 */
export interface RememberChoice extends RememberOffer {
  keep(value: string): void;
}

interface SecretQuestionExtras {
  remember?: RememberChoice;
  /** A saved secret was refused or cannot be read: say so, and let the person forget it. */
  saved?: SavedSecretProblem;
}

export interface PassphraseQuestion extends SecretQuestionExtras {
  hop: HopLabel;
  keyPath: string;
  /** 1, 2 or 3. */
  attempt: number;
}

export interface PasswordQuestion extends SecretQuestionExtras {
  hop: HopLabel;
  attempt: number;
}

export interface KeyboardInteractiveQuestion {
  hop: HopLabel;
  name: string;
  instructions: string;
  prompts: { prompt: string; echo: boolean }[];
}

export interface PromptPort {
  /** Trust-on-first-use question for an unknown host key. Never asked for a changed or revoked key. */
  confirmHostKey(req: HostKeyQuestion): Promise<boolean>;
  passphrase(req: PassphraseQuestion): Promise<string | null>;
  password(req: PasswordQuestion): Promise<string | null>;
  /** One answer per prompt, in order. */
  keyboardInteractive(req: KeyboardInteractiveQuestion): Promise<string[] | null>;
}

// One wording for the CLI, the errors and the wizard's dialogs: defined with the prompt schema, which the renderer may import.
export { describeHop, formatHostPort } from '../../common/schema/prompts';

import { describeHop, type HopLabel } from './prompt';

export type SshErrorKind =
  | 'host-key-changed'
  | 'host-key-revoked'
  | 'host-key-unknown'
  | 'host-key-rejected'
  | 'auth-failed'
  | 'connect-failed'
  | 'timeout'
  | 'cancelled'
  | 'key-unreadable'
  | 'protocol';

/** A known_hosts entry, as shown to a person. */
export interface KnownKeyRef {
  keyType: string;
  fingerprint: string;
  file: string;
  line: number;
}

/** Where each hop of a chain got to when the chain failed. */
export interface ChainHopStatus {
  label: HopLabel;
  status: 'ok' | 'failed' | 'not-reached';
}

export interface SshErrorInfo {
  /** The technical part (library message, errno, log-ish detail). Never contains a secret. */
  detail?: string;
  /** The key the server presented, for host-key errors (with the key itself when it changed, for a re-pin). */
  presented?: { keyType: string; fingerprint: string; key?: string };
  /** The pinned keys it was compared with (changed), or the revoked entry (revoked), or other key types on file (unknown). */
  known?: KnownKeyRef[];
  /** auth-failed: what this side tried ("agent", "publickey /path", "password", ...), and what the server still offered. */
  methodsTried?: string[];
  serverMethods?: string[] | null;
  /** key-unreadable (and passphrase failures): the identity file. */
  keyPath?: string;
  /** Set by connectChain: the state of every hop. */
  chain?: ChainHopStatus[];
  cause?: unknown;
}

/**
 * Every SSH failure the engine reports. `message` is for people and always starts with the hop
 * ("jump host 1 of 2, alice@bastion:22: ..."); `detail` carries the technical part.
 */
export class SshError extends Error {
  override readonly name = 'SshError';
  readonly kind: SshErrorKind;
  readonly hop: HopLabel;
  /** The message without the hop prefix. */
  readonly summary: string;
  readonly detail: string;
  readonly presented: { keyType: string; fingerprint: string; key?: string } | undefined;
  readonly known: KnownKeyRef[];
  readonly methodsTried: string[];
  readonly serverMethods: string[] | null;
  readonly keyPath: string | undefined;
  chain: ChainHopStatus[] | undefined;

  constructor(kind: SshErrorKind, hop: HopLabel, summary: string, info: SshErrorInfo = {}) {
    super(`${describeHop(hop)}: ${summary}`, info.cause === undefined ? undefined : { cause: info.cause });
    this.kind = kind;
    this.hop = hop;
    this.summary = summary;
    this.detail = info.detail ?? '';
    this.presented = info.presented;
    this.known = info.known ?? [];
    this.methodsTried = info.methodsTried ?? [];
    this.serverMethods = info.serverMethods ?? null;
    this.keyPath = info.keyPath;
    this.chain = info.chain;
  }
}

export function isSshError(value: unknown): value is SshError {
  return value instanceof SshError;
}

import type { EvidenceStatus } from '../schema/report';

/** How a remote command ended, as evidence: its exit code and stderr decide, never a guess. */
export interface CommandOutcome {
  code: number | null;
  stderr: string;
  timedOut: boolean;
}

/**
 * Lack of privilege is evidence ("the rules could not be read"), never "no firewall" (catalog §2.1,
 * §4.5–4.7). These are the messages the tools print when run without root.
 */
const needsPrivilege = [
  /you must be root/i,
  /You need to be root/i,
  /must be run as root/i,
  /Could not fetch rule set generation id: Permission denied/i,
  /can't open lock file .*: Permission denied/i,
  /cache initialization failed: Operation not permitted/i,
  /Operation not permitted/i,
  /permission denied while trying to connect to the Docker daemon socket/i,
  /sudo: a password is required/i,
  /sudo: sorry, you must have a tty/i,
  /Permission denied/i,
];

const notFound = [/command not found/i, /: not found$/im, /No such file or directory/i, /executable file not found/i];

/** Classifies a finished command. `ok` means it ran; whether its output proves anything is the parser's job. */
export function classifyCommandOutcome(outcome: CommandOutcome, okCodes: readonly number[] = [0]): EvidenceStatus {
  if (outcome.timedOut || outcome.code === 124) return 'timeout';
  if (outcome.code !== null && okCodes.includes(outcome.code)) return 'ok';
  if (outcome.code === 127 || notFound.some((re) => re.test(outcome.stderr))) return 'unsupported';
  if (needsPrivilege.some((re) => re.test(outcome.stderr))) return 'needs-privilege';
  return 'error';
}

/** systemctl on a machine whose PID 1 is not systemd (containers, WSL1, BusyBox). */
export function isNoSystemd(text: string): boolean {
  return /System has not been booted with systemd|Failed to connect to bus|Running in chroot, ignoring/i.test(text);
}

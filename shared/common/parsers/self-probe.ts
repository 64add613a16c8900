import type { z } from 'zod';
import type { SelfProbeStatus } from '../schema/remote';

type Status = z.infer<typeof SelfProbeStatus>;

/**
 * The connect-to-myself check on the server (catalog T16): bash's /dev/tcp prints libc's message
 * ("connect: Connection refused"), `nc -v` prints its own. Both are read the same way.
 */
export const selfProbeMessages: readonly { pattern: RegExp; status: Status }[] = [
  { pattern: /Connection refused/i, status: 'refused' },
  { pattern: /No route to host|Network is unreachable|Permission denied|Host is unreachable/i, status: 'unreachable' },
  { pattern: /timed out|Operation now in progress/i, status: 'timeout' },
];

export function parseSelfProbe(stdout: string, stderr: string, code: number | null): { status: Status; detail: string } {
  if (/^open$/m.test(stdout) || /succeeded|open$/im.test(stderr)) return { status: 'open', detail: 'connected' };
  if (code === 124) return { status: 'timeout', detail: 'no answer within the deadline' };
  const line = stderr.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  for (const m of selfProbeMessages) if (m.pattern.test(stderr)) return { status: m.status, detail: line };
  return { status: 'error', detail: line || `exit code ${code ?? 'none'}` };
}

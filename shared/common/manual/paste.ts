import { err, ok, type Result } from '../result';
import { MAX_PASTE_BYTES } from '../schema/answers';
import type { PasteKind } from '../tree/types';
import { detectFormat, expectedFor, kindWords, type DetectedFormat } from './formats';
import { parseAddressesPaste } from './paste-addresses';
import { daemonDownPaste, parseContainersPaste } from './paste-containers';
import { parseFirewallPaste } from './paste-firewall';
import { parseListenersPaste } from './paste-listeners';
import { parseServicePaste } from './paste-service';
import { preparePaste, quoteLine, type FailureLine, type PreparedPaste } from './paste-text';
import type { ParsedPaste, PasteContext, PasteError } from './types';

export { serverFactsWithPastes } from './server-facts';
export type { ParsedPaste, PasteContext, PasteError, PastePatch } from './types';

/**
 * Manual mode: a person without SSH runs a read-only command on the server and pastes its output.
 * The format is told from the text (ss, netstat or /proc for listeners; ip -o/-j/plain for
 * addresses; ...), the same parsers as the SSH evidence read it, and the result is the same piece
 * of RemoteFacts.
 *
 * Never throws. What is not the expected output gets one clear sentence: an empty paste, output
 * of the wrong command (a firewall dump where listeners were asked), or the shell's or the tool's
 * own complaint (command not found, permission denied, a usage message).
 */
export function parsePaste(kind: PasteKind, text: string, ctx: PasteContext): Result<ParsedPaste, PasteError> {
  // The answers schema caps a paste at this many characters; text that arrives another way gets the same cap.
  if (text.length > MAX_PASTE_BYTES) {
    return err({ kind, message: `The paste is ${text.length} characters long, more than the ${MAX_PASTE_BYTES / 1024 / 1024} MiB a paste may hold: paste only ${expectedFor(kind, ctx.service)}.` });
  }
  try {
    return parseChecked(kind, text, ctx);
  } catch (error) {
    // A safety net: a parser bug must not take the session down (the fuzz tests look for this text).
    return err({ kind, message: `The paste could not be read (internal error: ${error instanceof Error ? error.message : String(error)}).` });
  }
}

type KindParser = (paste: PreparedPaste, format: DetectedFormat, ctx: PasteContext) => Result<ParsedPaste, PasteError>;

const PARSERS: Readonly<Record<PasteKind, KindParser>> = {
  listeners: parseListenersPaste,
  addresses: parseAddressesPaste,
  service: parseServicePaste,
  firewall: parseFirewallPaste,
  containers: parseContainersPaste,
};

function parseChecked(kind: PasteKind, text: string, ctx: PasteContext): Result<ParsedPaste, PasteError> {
  const paste = preparePaste(text);
  if (paste.content.length === 0) return err({ kind, message: emptyMessage(kind, ctx) });
  const format = detectFormat(paste);
  if (format !== null && format.kind === kind) return PARSERS[kind](paste, format, ctx);
  if (format !== null) {
    return err({ kind, message: `This looks like the output of \`${format.label}\` (${kindWords(format.kind)}), but this step asks for ${kindWords(kind)}: paste ${expectedFor(kind, ctx.service)}.` });
  }
  const failure = paste.failures[0];
  if (failure) {
    if (kind === 'containers' && failure.failure === 'daemon-down' && /Docker daemon/i.test(failure.text)) return ok(daemonDownPaste(failure.text));
    return err({ kind, message: failureMessage(kind, failure, ctx), line: failure.no });
  }
  const first = paste.content[0]!;
  return err({ kind, message: `This is not ${expectedFor(kind, ctx.service)}: nothing in it reads as that output (line ${first.no}: "${quoteLine(first.text, 80)}").`, line: first.no });
}

function emptyMessage(kind: PasteKind, ctx: PasteContext): string {
  const base = `The paste is empty: paste ${expectedFor(kind, ctx.service)}.`;
  if (kind === 'listeners') {
    return `${base} If \`ss -H ... 'sport = :${ctx.port}'\` or \`grep\` printed nothing, run \`sudo ss -tlnp\` without them and paste the whole table: its header line shows that it ran.`;
  }
  return `${base} If the command printed nothing, answer the question instead of pasting.`;
}

function failureMessage(kind: PasteKind, failure: FailureLine, ctx: PasteContext): string {
  const quoted = `"${quoteLine(failure.text)}"`;
  const expected = expectedFor(kind, ctx.service);
  switch (failure.failure) {
    case 'not-found':
      return `That command is not installed on the server (${quoted}): paste ${expected}; one of them is usually there.`;
    case 'missing-file':
      return `The server has no such file (${quoted}): paste ${expected}.`;
    case 'needs-privilege':
      return `The command needs root on the server (${quoted}): run it with sudo and paste its output.`;
    case 'usage':
      return `The command does not take these options on this server (${quoted}; BusyBox tools take fewer): paste ${expected}.`;
    case 'daemon-down':
      if (kind === 'firewall' && /firewalld|^not running$/i.test(failure.text.trim())) {
        return 'firewalld is not running, so it adds no rules: paste the output of `sudo iptables-save -c` (or `sudo nft -j list ruleset`) to show the rules that exist.';
      }
      return `The program the command talks to is not running (${quoted}): paste ${expected}.`;
    case 'no-systemd':
      return `systemd does not run on this server (${quoted}), so systemctl and journalctl cannot answer: say how the service is started instead.`;
  }
}

import { parseDockerInspect, parseDockerPs, type DockerInspect } from '../parsers/docker';
import { err, ok, type Result } from '../result';
import { containerFacts, containerFactsFromInspect, describeContainers } from './container-facts';
import type { DetectedFormat } from './formats';
import { ParserInput, quoteLine, withoutFailures, type PreparedPaste } from './paste-text';
import type { ParsedPaste, PasteContext, PasteError } from './types';

/**
 * A pasted container list: `docker ps -a --no-trunc --format '{{json .}}'` lines, optionally
 * followed by `docker inspect NAME...` (its JSON array), or the inspect array alone. The human
 * `docker ps -a` table pads and cuts its columns, so it is not read; the person is asked for JSON.
 */

const PS_FORMAT = "docker ps -a --format '{{json .}}'";

export function parseContainersPaste(paste: PreparedPaste, format: DetectedFormat, ctx: PasteContext): Result<ParsedPaste, PasteError> {
  if (format.id === 'docker-table') {
    return err({ kind: 'containers', message: "This is the `docker ps -a` table, whose columns are padded and cut: paste the output of `docker ps -a --no-trunc --format '{{json .}}'` instead." });
  }
  const lines = withoutFailures(paste);
  const arrayAt = lines.findIndex((l) => l.text.trimStart().startsWith('['));
  const psLines = arrayAt < 0 ? lines : lines.slice(0, arrayAt);
  const inspectLines = arrayAt < 0 ? [] : lines.slice(arrayAt);

  let inspect: DockerInspect | null = null;
  if (inspectLines.length > 0) {
    const parsed = parseDockerInspect(new ParserInput(inspectLines).text);
    if (!parsed.ok) return err({ kind: 'containers', message: `${parsed.error.message} (read as \`docker inspect\` output)`, line: inspectLines[0]!.no });
    inspect = parsed.value;
  }
  const psText = new ParserInput(psLines).text;
  if (psText.trim() === '') {
    if (inspect === null || inspect.containers.length === 0) return err({ kind: 'containers', message: `No container in the paste: paste the output of \`docker ps -a --no-trunc --format '{{json .}}'\`.` });
    const facts = containerFactsFromInspect(inspect.containers);
    return ok({
      patch: { kind: 'containers', containers: { status: 'ok', source: 'docker inspect (pasted)', containers: facts, reason: null } },
      format: 'docker inspect',
      summary: `${describeContainers(facts, ctx.port)} (docker inspect, pasted)`,
    });
  }
  const ps = parseDockerPs(psText);
  if (!ps.ok) {
    if (ps.error.code === 'needs-privilege') return err({ kind: 'containers', message: `docker needs root or the docker group here ("${quoteLine(ps.error.message)}"): run it with sudo and paste its output.` });
    return err({ kind: 'containers', message: `${ps.error.message} Paste the output of \`docker ps -a --no-trunc --format '{{json .}}'\`.` });
  }
  const facts = containerFacts(ps.value.containers, inspect?.containers ?? []);
  const label = inspect ? `${PS_FORMAT} + docker inspect` : PS_FORMAT;
  const skipped = ps.value.malformed > 0 ? `; ${ps.value.malformed} line${ps.value.malformed === 1 ? '' : 's'} not read` : '';
  return ok({
    patch: { kind: 'containers', containers: { status: 'ok', source: `${inspect ? 'docker ps -a + docker inspect' : 'docker ps -a'} (pasted)`, containers: facts, reason: null } },
    format: label,
    summary: `${describeContainers(facts, ctx.port)}${skipped} (${label}, pasted)`,
  });
}

/** The Docker daemon is down: that is evidence (every container is down with it), not a bad paste. */
export function daemonDownPaste(line: string): ParsedPaste {
  return {
    patch: { kind: 'containers', containers: { status: 'unsupported', source: 'docker ps -a (pasted)', containers: [], reason: `the Docker daemon is not running: ${quoteLine(line, 200)}` } },
    format: 'docker ps -a',
    summary: `the Docker daemon is not running ("${quoteLine(line)}")`,
  };
}

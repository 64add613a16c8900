import { readFile, stat } from 'node:fs/promises';
import { parsePaste } from '../../common/manual/paste';
import { err, ok, type Result } from '../../common/result';
import { Answers } from '../../common/schema/answers';
import { shown } from '../../common/schema/target';
import { checkAnswers } from '../../common/tree/evaluate';
import { treeNodes } from '../../common/tree/nodes';

/** Far above any sensible set of pastes (each is capped at 2 MiB by the schema), far below harm. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads `--answers FILE`: JSON keyed by node id. Every problem is found before anything is probed,
 * and told in one message per problem: an unknown step, an answer the step does not have, an
 * override to a branch it cannot take, output that is not what the step asks for.
 */
export async function readAnswersFile(path: string, context: { port: number; service: string | null }): Promise<Result<Answers, string>> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) return err(`--answers ${shown(path)}: not a file.`);
    if (info.size > MAX_FILE_BYTES) return err(`--answers ${shown(path)}: ${info.size} bytes is more than the ${MAX_FILE_BYTES / 1024 / 1024} MiB an answers file may hold.`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return err(`--answers ${shown(path)}: cannot read it (${code}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return err(`--answers ${shown(path)}: not valid JSON (${shown((error as Error).message, 200)}).`);
  }
  const parsed = Answers.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    return err(`--answers ${shown(path)}:\n  ${problems.map((p) => shown(p, 300)).join('\n  ')}`);
  }
  const problems = checkAnswers(parsed.data);
  for (const [id, answer] of Object.entries(parsed.data)) {
    const kind = (treeNodes as Record<string, (typeof treeNodes)[keyof typeof treeNodes] | undefined>)[id]?.manual.paste?.kind;
    if (answer.paste === undefined || !kind) continue;
    const pasted = parsePaste(kind, answer.paste, { port: context.port, failing: [], service: context.service });
    if (!pasted.ok) problems.push(`${id}: ${pasted.error.message}`);
  }
  if (problems.length > 0) return err(`--answers ${shown(path)}:\n  ${problems.map((p) => shown(p, 300)).join('\n  ')}`);
  return ok(parsed.data);
}

import type { z } from 'zod';
import { ProfileInput, profileSetProblems, slugOf, uniqueId, type Profile } from '../schema/profile';
import { directiveValue, sourceText, type ConfigBlock, type ConfigDirective, type SourceRef, type SshConfigDocument } from './config-document';
import { blocksApply, isConcreteAlias } from './host-patterns';
import { formatJumpSpec, hostSettings, type DirectiveNote, type HostRequest, type ImportedFields } from './host-settings';

/**
 * The import plan: which profiles an ssh_config gives, linked by jump host, and everything it
 * leaves behind. Pure and deterministic; the store, the CLI and the UI apply or show it.
 */

export type ProfileFields = z.output<typeof ProfileInput>;
export type ImportAction = 'create' | 'update' | 'skip-existing';

export interface PlannedProfile {
  id: string;
  /** Valid `ProfileInput`, every default filled in; `jumps` are ids of planned or existing profiles. */
  input: ProfileFields;
  source: SourceRef;
  /** `update` and `skip-existing`: a saved profile has this name (case-insensitive), and `id` is its id. */
  action: ImportAction;
  /** The Host alias it comes from, or the ProxyJump element (`user@host:port`) it was made for. */
  origin: { kind: 'alias'; alias: string } | { kind: 'jump'; spec: string };
}

/** An alias (or jump element) that cannot be a profile, and why. */
export interface RejectedHost {
  name: string;
  source: SourceRef;
  reason: string;
}

export interface ReportedDirective {
  /** `not-applied`: a Match block (its directives are named in `reason`). */
  kind: 'unsupported' | 'ignored' | 'not-applied';
  /** The keyword as written. */
  directive: string;
  value: string;
  source: SourceRef;
  /** The profile names it applies to (empty for a Match block). */
  hosts: string[];
  reason: string;
}

export interface SshImportPlan {
  file: string;
  /** For display: paths under it are shown as `~/...`. */
  home: string;
  /** Jump hosts come before the profiles that use them. */
  profiles: PlannedProfile[];
  rejected: RejectedHost[];
  unsupported: ReportedDirective[];
  warnings: string[];
}

export type ExistingProfile = Pick<Profile, 'id' | 'name' | 'jumps'>;

export interface SshImportOptions {
  /** The saved profiles: a planned profile with one's name updates or skips it, never duplicates it. */
  existing?: readonly ExistingProfile[];
  /** What to do with a name that is already saved. Default 'skip', so hand edits survive a re-import. */
  onExisting?: 'update' | 'skip';
  /** ssh's default User; null when unknown (then an alias without User cannot be imported). */
  localUser: string | null;
}

/**
 * The fields an `update` carries over. The store should merge these into the saved profile and
 * keep the rest (groups, tags, notes, sudo, service hint), which an ssh_config does not know.
 */
export const IMPORTED_FIELDS = ['host', 'port', 'user', 'auth', 'keyPath', 'jumps', 'knownHostsFiles'] as const satisfies readonly (keyof ProfileFields)[];

interface PlanNode {
  key: string;
  name: string;
  origin: PlannedProfile['origin'];
  source: SourceRef;
  request: HostRequest;
  fields: ImportedFields;
  jumpKeys: string[];
  notes: DirectiveNote[];
  problem: string | null;
  usedLocalUser: boolean;
}

const aliasKey = (alias: string): string => `alias:${alias}`;
const jumpKey = (name: string): string => `jump:${name}`;

export function planSshImport(doc: SshConfigDocument, options: SshImportOptions): SshImportPlan {
  const warnings = [...doc.warnings];
  const aliases = concreteAliases(doc, warnings);
  const nodes = buildNodes(doc, aliases, options.localUser);
  mergeDuplicateJumps(nodes);
  const named = checkNames(nodes, options.existing ?? []);
  const { profiles, rejected } = assignAndValidate(nodes, named, options);

  const imported = profiles.map((p) => p.input.name);
  const local = [...nodes.values()].filter((n) => n.usedLocalUser && imported.includes(n.name)).map((n) => n.name);
  if (local.length > 0) warnings.push(`No User for ${local.join(', ')}: ${local.length === 1 ? 'it logs' : 'they log'} in as your local user "${options.localUser}", as ssh would.`);
  warnings.push(...chainWarnings(nodes, imported), ...unusedBlockWarnings(doc, nodes));

  const existing = options.existing ?? [];
  const finalSet = [...existing.filter((e) => !profiles.some((p) => p.id === e.id)), ...profiles.map((p) => ({ id: p.id, name: p.input.name, jumps: p.input.jumps }))];
  for (const problem of profileSetProblems(finalSet)) warnings.push(`The profiles would not be consistent: ${problem}`);

  return { file: doc.file, home: doc.home, profiles, rejected, unsupported: reports(doc, nodes), warnings };
}

/** Every name a Host line gives, once, with the first line that names it. */
function concreteAliases(doc: SshConfigDocument, warnings: string[]): Map<string, SourceRef> {
  const aliases = new Map<string, SourceRef>();
  for (const block of doc.blocks) {
    if (block.kind !== 'host') continue;
    for (const alias of block.patterns.filter(isConcreteAlias)) {
      if (aliases.has(alias)) continue;
      const applies = blocksApply([...block.within, block], alias);
      if (applies === 'yes') aliases.set(alias, block.source);
      else warnings.push(`Host ${alias} (${sourceText(block.source, doc.home)}) is not imported: ${applies === 'match' ? 'it sits under a Match block, which Portwise does not apply' : 'it is in a file included from a block that never applies to it, so ssh never applies it either'}.`);
    }
  }
  return aliases;
}

/** The aliases, then every jump host they name (and those name), each resolved once. */
function buildNodes(doc: SshConfigDocument, aliases: ReadonlyMap<string, SourceRef>, localUser: string | null): Map<string, PlanNode> {
  const nodes = new Map<string, PlanNode>();
  const queue: Omit<PlanNode, 'fields' | 'jumpKeys' | 'notes' | 'problem' | 'usedLocalUser'>[] = [...aliases].map(([alias, source]) => ({
    key: aliasKey(alias),
    name: alias,
    origin: { kind: 'alias', alias },
    source,
    request: { hostArg: alias, user: null, port: null },
  }));
  const queued = new Set(queue.map((q) => q.key));
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const settings = hostSettings(doc, item.request, localUser);
    const jumpKeys: string[] = [];
    for (const jump of settings.jumps) {
      const { spec } = jump;
      // A bare alias is that alias's profile; with a user or port, ssh runs `ssh -l user -p port alias`,
      // so it is a profile of its own, resolved through the same blocks.
      if (spec.user === null && spec.port === null && aliases.has(spec.host)) {
        jumpKeys.push(aliasKey(spec.host));
        continue;
      }
      const name = formatJumpSpec(spec);
      const key = jumpKey(name);
      jumpKeys.push(key);
      if (queued.has(key)) continue;
      queued.add(key);
      queue.push({ key, name, origin: { kind: 'jump', spec: jump.text }, source: jump.directive.source, request: { hostArg: spec.host, user: spec.user, port: spec.port } });
    }
    nodes.set(item.key, {
      ...item,
      fields: settings.fields,
      jumpKeys,
      notes: settings.notes,
      problem: settings.problems.length > 0 ? settings.problems.join('; ') : null,
      usedLocalUser: settings.usedLocalUser,
    });
  }
  return nodes;
}

const sameFields = (a: PlanNode, b: PlanNode): boolean =>
  JSON.stringify([a.fields, a.jumpKeys]) === JSON.stringify([b.fields, b.jumpKeys]);

/**
 * `ProxyJump admin@bastion.example.com` where an alias already says exactly that: link the alias
 * rather than save the same server twice under two names.
 */
function mergeDuplicateJumps(nodes: Map<string, PlanNode>): void {
  const aliasNodes = [...nodes.values()].filter((n) => n.origin.kind === 'alias' && n.problem === null);
  for (const node of [...nodes.values()]) {
    if (node.origin.kind !== 'jump' || node.problem !== null) continue;
    const twin = aliasNodes.find((a) => sameFields(a, node));
    if (!twin) continue;
    nodes.delete(node.key);
    for (const other of nodes.values()) other.jumpKeys = other.jumpKeys.map((k) => (k === node.key ? twin.key : k));
  }
}

/** Profile names are unique regardless of case; the later of two colliding names is left out. */
function checkNames(nodes: Map<string, PlanNode>, existing: readonly ExistingProfile[]): Map<string, ExistingProfile | null> {
  const seen = new Map<string, string>();
  const named = new Map<string, ExistingProfile | null>();
  for (const node of nodes.values()) {
    const lower = node.name.toLowerCase();
    const clash = seen.get(lower);
    if (clash !== undefined && node.problem === null) node.problem = `its name is the same as "${clash}" (profile names ignore case)`;
    seen.set(lower, seen.get(lower) ?? node.name);
    named.set(node.key, existing.find((e) => e.name.toLowerCase() === lower) ?? null);
  }
  return named;
}

export { slugOf };

/**
 * Rejects what cannot be saved, then what jumps through it, until nothing changes; ids are given
 * only to what is left, so a rejected alias never takes a slug. Planned profiles jump only to
 * planned ones, and a skipped saved profile was saved before this import, so no jump loop can run
 * through the saved profiles: checking the planned graph is enough (planSshImport still checks the
 * whole set with profileSetProblems).
 */
function assignAndValidate(
  nodes: ReadonlyMap<string, PlanNode>,
  named: ReadonlyMap<string, ExistingProfile | null>,
  options: SshImportOptions,
): { profiles: PlannedProfile[]; rejected: RejectedHost[] } {
  const existing = options.existing ?? [];
  const rejected = new Map<string, string>();
  for (const node of nodes.values()) {
    if (node.problem !== null) rejected.set(node.key, node.problem);
    else {
      const problem = inputProblem({ name: node.name, ...node.fields, jumps: [] });
      if (problem !== null) rejected.set(node.key, problem);
    }
  }

  for (;;) {
    propagate(nodes, rejected);
    // Ids are taken in the order the plan lists the profiles, as the store would when adding them one by one.
    const order = dependenciesFirst([...nodes.values()].filter((n) => !rejected.has(n.key)), nodes);
    const ids = new Map<string, string>();
    const taken = new Set(existing.map((e) => e.id));
    for (const node of order) {
      const saved = named.get(node.key);
      const id = saved ? saved.id : uniqueId(node.name, taken);
      taken.add(id);
      ids.set(node.key, id);
    }
    const profiles: PlannedProfile[] = [];
    let changed = false;
    for (const node of order) {
      const id = ids.get(node.key) ?? '';
      const input = { name: node.name, ...node.fields, jumps: node.jumpKeys.map((k) => ids.get(k) ?? k) };
      const parsed = ProfileInput.safeParse(input);
      if (!parsed.success) {
        rejected.set(node.key, inputProblem(input) ?? 'it is not a valid profile');
        changed = true;
        continue;
      }
      const saved = named.get(node.key);
      const action: ImportAction = saved ? (options.onExisting === 'update' ? 'update' : 'skip-existing') : 'create';
      profiles.push({ id, input: parsed.data, source: node.source, action, origin: node.origin });
    }
    if (changed) continue;
    const rejectedList = [...nodes.values()].filter((n) => rejected.has(n.key)).map((n) => ({ name: n.name, source: n.source, reason: rejected.get(n.key) ?? '' }));
    return { profiles, rejected: rejectedList };
  }
}

function inputProblem(input: Record<string, unknown>): string | null {
  const parsed = ProfileInput.safeParse(input);
  if (parsed.success) return null;
  return parsed.error.issues
    .map((issue) => {
      const field = String(issue.path[0] ?? 'profile');
      const value = issue.path.length === 1 ? input[field] : undefined;
      const shownValue = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
      return shownValue === null || issue.message.includes(shownValue) ? `${field}: ${issue.message}` : `${field} "${shownValue}": ${issue.message}`;
    })
    .join('; ');
}

/** Whatever sits on a jump loop is rejected, then anything that jumps through a rejected host. */
function propagate(nodes: ReadonlyMap<string, PlanNode>, rejected: Map<string, string>): void {
  for (const node of nodes.values()) {
    if (rejected.has(node.key)) continue;
    const loop = jumpLoop(node.key, nodes);
    if (loop === null) continue;
    // A host that jumps through itself usually falls under its own wildcard block.
    const hint = loop.length === 2 ? `; exclude it from the wildcard block that gives the ProxyJump, as in "Host * !${loop[0]}"` : '';
    rejected.set(node.key, `its ProxyJump hosts loop (${loop.join(' → ')}); ssh would loop too${hint}`);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of nodes.values()) {
      if (rejected.has(node.key)) continue;
      const bad = node.jumpKeys.find((k) => rejected.has(k) || !nodes.has(k));
      if (bad === undefined) continue;
      rejected.set(node.key, `it jumps through "${nodes.get(bad)?.name ?? bad}", which cannot be imported`);
      changed = true;
    }
  }
}

function jumpLoop(start: string, nodes: ReadonlyMap<string, PlanNode>): string[] | null {
  const walk = (key: string, trail: string[]): string[] | null => {
    if (trail.includes(key)) return key === start ? [...trail, key] : null;
    for (const next of nodes.get(key)?.jumpKeys ?? []) {
      const found = walk(next, [...trail, key]);
      if (found) return found;
    }
    return null;
  };
  const loop = walk(start, []);
  return loop === null ? null : loop.map((k) => nodes.get(k)?.name ?? k);
}

/** A store that saves one profile at a time can follow the list: each jump host comes before its users. */
function dependenciesFirst(list: readonly PlanNode[], nodes: ReadonlyMap<string, PlanNode>): PlanNode[] {
  const included = new Set(list.map((n) => n.key));
  const out: PlanNode[] = [];
  const done = new Set<string>();
  const visit = (node: PlanNode): void => {
    if (done.has(node.key)) return;
    done.add(node.key);
    for (const key of node.jumpKeys) {
      const jump = nodes.get(key);
      if (jump && included.has(key)) visit(jump);
    }
    out.push(node);
  };
  list.forEach(visit);
  return out;
}

/**
 * In `ProxyJump b1,b2` ssh crosses b1 as b1's own config says, but reaches b2 through b1 alone:
 * b2's own ProxyJump is replaced by the chain. Profiles expand every hop's jumps, so say so.
 */
function chainWarnings(nodes: ReadonlyMap<string, PlanNode>, imported: readonly string[]): string[] {
  const out: string[] = [];
  for (const node of nodes.values()) {
    if (!imported.includes(node.name)) continue;
    for (const key of node.jumpKeys.slice(1)) {
      const hop = nodes.get(key);
      if (hop && hop.jumpKeys.length > 0) {
        const own = hop.jumpKeys.map((k) => nodes.get(k)?.name ?? k).join(',');
        out.push(`${node.name}: in its ProxyJump chain ssh ignores ${hop.name}'s own ProxyJump (${own}); the profile crosses it as ${hop.name}'s profile says.`);
      }
    }
  }
  return out;
}

/** A wildcard block no imported host falls under: ssh would use it for hosts typed by hand, a profile never. */
function unusedBlockWarnings(doc: SshConfigDocument, nodes: ReadonlyMap<string, PlanNode>): string[] {
  const hostArgs = [...nodes.values()].map((n) => n.request.hostArg);
  const out: string[] = [];
  for (const block of doc.blocks) {
    // A block naming a host is imported or already explained; this is about wildcard-only blocks.
    if (block.kind !== 'host' || block.patterns.some(isConcreteAlias)) continue;
    const inside = doc.directives.some((d) => d.scopes.at(-1) === block);
    if (!inside || hostArgs.some((h) => blocksApply([...block.within, block], h) === 'yes')) continue;
    out.push(`Host ${block.patterns.join(' ')} (${sourceText(block.source, doc.home)}) applies to none of the imported hosts: ssh uses it for names typed by hand; only named hosts become profiles.`);
  }
  return out;
}

function reports(doc: SshConfigDocument, nodes: ReadonlyMap<string, PlanNode>): ReportedDirective[] {
  const order = new Map<ConfigDirective, number>(doc.directives.map((d, i) => [d, i]));
  const grouped = new Map<string, ReportedDirective & { rank: number }>();
  for (const node of nodes.values()) {
    for (const note of node.notes) {
      const d = note.directive;
      const key = `${note.kind}\0${order.get(d)}\0${note.reason}`;
      const entry = grouped.get(key) ?? { kind: note.kind, directive: d.name, value: directiveValue(d), source: d.source, hosts: [], reason: note.reason, rank: order.get(d) ?? 0 };
      if (!entry.hosts.includes(node.name)) entry.hosts.push(node.name);
      grouped.set(key, entry);
    }
  }
  const out: (ReportedDirective & { rank: number })[] = [...grouped.values()];
  for (const block of doc.blocks) {
    if (block.kind !== 'match') continue;
    const inside = [...new Set(doc.directives.filter((d) => d.scopes.includes(block)).map((d) => d.name))];
    const what = inside.length > 0 ? `its ${inside.join(', ')} ${inside.length === 1 ? 'is' : 'are'} not imported` : 'it is empty';
    out.push({ kind: 'not-applied', directive: 'Match', value: block.criteria, source: block.source, hosts: [], reason: `Portwise does not evaluate Match blocks ("exec" would run a command): ${what}`, rank: matchRank(doc, block) });
  }
  return out.sort((a, b) => a.rank - b.rank).map(({ rank: _rank, ...r }) => r);
}

/** Where a Match block sits among the directives (before its first one), so the report keeps reading order. */
function matchRank(doc: SshConfigDocument, block: ConfigBlock): number {
  const inside = doc.directives.findIndex((d) => d.scopes.includes(block));
  if (inside >= 0) return inside - 0.5;
  const before = doc.directives.findLastIndex((d) => d.source.file === block.source.file && d.source.line < block.source.line);
  return before + 0.5;
}

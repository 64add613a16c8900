import { shown } from '../schema/target';
import { formatSshDestination } from '../schema/ssh-destination';
import { displayPath, sourceText } from './config-document';
import type { PlannedProfile, ReportedDirective, SshImportPlan } from './import-plan';

/**
 * The import preview as plain text (the CLI prints it; the UI may show it in a <pre>): a table of
 * the profiles with their jump chains, then what was not imported and why. Everything from the
 * config goes through `shown`, since a config file can hold any bytes and this goes to a terminal.
 */

const ACTION_LABEL: Readonly<Record<PlannedProfile['action'], string>> = { create: 'create', update: 'update', 'skip-existing': 'skip' };
const MAX_HOSTS_SHOWN = 4;

export function renderImportPreview(plan: SshImportPlan): string {
  const lines = [`Import from ${shown(displayPath(plan.file, plan.home), 200)}`, summary(plan), ''];
  if (plan.profiles.length > 0) lines.push(...table(plan), '');

  if (plan.rejected.length > 0) {
    lines.push(`Not imported (${plan.rejected.length}):`);
    for (const r of plan.rejected) lines.push(`  ${shown(r.name)} (${where(plan, r.source)}): ${shown(r.reason, 300)}`);
    lines.push('');
  }

  const notApplied = plan.unsupported.filter((r) => r.kind !== 'ignored');
  if (notApplied.length > 0) {
    lines.push(`Not applied by Portwise (${notApplied.length}):`);
    for (const r of notApplied) lines.push(`  ${directive(plan, r)}`, `      ${shown(r.reason, 300)}`);
    lines.push('');
  }

  const ignored = plan.unsupported.filter((r) => r.kind === 'ignored');
  if (ignored.length > 0) {
    lines.push(`Ignored, no effect on a diagnosis (${ignored.length}):`);
    for (const r of ignored) lines.push(`  ${directive(plan, r)}`);
    lines.push('');
  }

  if (plan.warnings.length > 0) {
    lines.push(`Warnings (${plan.warnings.length}):`);
    for (const w of plan.warnings) lines.push(`  ${shown(w, 400)}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function summary(plan: SshImportPlan): string {
  if (plan.profiles.length === 0) return plan.rejected.length > 0 ? 'No profile can be imported (see below).' : 'No profile to import: the config names no host without wildcards.';
  const count = (action: PlannedProfile['action']): number => plan.profiles.filter((p) => p.action === action).length;
  const parts = [
    [count('create'), 'to create'],
    [count('update'), 'to update'],
    [count('skip-existing'), 'already saved (left as is)'],
  ] as const;
  return `${parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`).join(', ')}.`;
}

function table(plan: SshImportPlan): string[] {
  const byId = new Map(plan.profiles.map((p) => [p.id, p]));
  const rows = plan.profiles.map((p) => {
    const name = shown(p.input.name);
    const id = p.id === p.input.name ? '' : ` [id ${p.id}]`;
    const route = chain(p, byId);
    return [
      ACTION_LABEL[p.action],
      `${name}${id}${route.length > 0 ? ` via ${route.map((r) => shown(r)).join(' → ')}` : ''}`,
      shown(formatSshDestination({ user: p.input.user, host: p.input.host, port: p.input.port }), 100),
      p.input.auth === 'key' && p.input.keyPath !== null ? `key ${shown(p.input.keyPath, 80)}` : p.input.auth,
    ];
  });
  const header = ['ACTION', 'PROFILE', 'LOGIN', 'AUTH'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]): string => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  return [format(header), ...rows.map(format)];
}

/** The names of the hops crossed before the profile itself, in order: each hop's own jumps come first. */
export function chain(profile: PlannedProfile, byId: ReadonlyMap<string, PlannedProfile>): string[] {
  const out: string[] = [];
  const walk = (p: PlannedProfile, trail: readonly string[]): void => {
    for (const id of p.input.jumps) {
      const hop = byId.get(id);
      if (hop === undefined) {
        out.push(id);
        continue;
      }
      if (!trail.includes(id)) walk(hop, [...trail, id]);
      out.push(hop.input.name);
    }
  };
  walk(profile, [profile.id]);
  return out;
}

function directive(plan: SshImportPlan, r: ReportedDirective): string {
  const hosts = r.hosts.length === 0 ? '' : `  (${r.hosts.slice(0, MAX_HOSTS_SHOWN).map((h) => shown(h)).join(', ')}${r.hosts.length > MAX_HOSTS_SHOWN ? `, +${r.hosts.length - MAX_HOSTS_SHOWN} more` : ''})`;
  return `${where(plan, r.source)}  ${shown(r.directive)} ${shown(r.value, 120)}${hosts}`;
}

const where = (plan: SshImportPlan, source: ReportedDirective['source']): string => shown(sourceText(source, plan.home), 200);


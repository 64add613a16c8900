import { describe, expect, it } from 'vitest';
import { causeIndex } from '../../../shared/common/causes/catalog';
import { causeDefinitions, PLACEHOLDERS } from '../../../shared/common/causes/definitions';
import { SERVICE_IDS } from '../../../shared/common/causes/services';
import { causeCatalogJson, formatCause, formatCauseList, isCauseId } from '../../../shared/common/report/causes-text';

describe('causeCatalogJson', () => {
  const json = causeCatalogJson();

  it('covers every catalog id, in catalog order, with its ref, layer and title', () => {
    expect(json.map((c) => c.id)).toEqual(causeIndex.map((c) => c.id));
    for (const [i, c] of causeIndex.entries()) expect(json[i]).toMatchObject({ id: c.id, ref: c.ref, layer: c.layer, title: c.title });
  });

  it('every entry has an explanation, a proof, remediation and a verify command', () => {
    for (const c of json) {
      expect(c.explanation, c.id).not.toBe('');
      expect(c.proof, c.id).not.toBe('');
      expect(c.remediation.length, c.id).toBeGreaterThan(0);
      for (const s of c.remediation) expect(s.text, c.id).not.toBe('');
      expect(c.verify.commands.length, c.id).toBeGreaterThan(0);
    }
  });

  it('lists the services with steps of their own, and only those', () => {
    for (const c of json) {
      for (const s of c.services) expect(SERVICE_IDS).toContain(s);
      expect(c.services.length, c.id).toBe(Object.keys(causeDefinitions[c.id].services ?? {}).length);
    }
    const loopback = json.find((c) => c.id === 'bind-loopback-only');
    expect(loopback?.services).toEqual(expect.arrayContaining(['postgresql', 'mysql', 'redis', 'nginx', 'docker']));
    expect(json.find((c) => c.id === 'dns-failure')?.services).toEqual([]);
  });

  it('is plain JSON: a round trip changes nothing, and it is a copy', () => {
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    json[0]?.remediation.splice(0);
    expect(causeCatalogJson()[0]?.remediation.length).toBeGreaterThan(0);
  });
});

describe('formatCauseList', () => {
  it('one line per cause with id, ref, layer and title, under a header', () => {
    const text = formatCauseList();
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ID\s+REF\s+LAYER\s+TITLE$/);
    for (const c of causeIndex) {
      const line = lines.find((l) => l.startsWith(`${c.id} `));
      expect(line, c.id).toBeDefined();
      expect(line).toContain(c.title);
      expect(line).toContain(c.layer);
      expect(line).toMatch(new RegExp(`\\s${(c.ref ?? '-').replace('-', '\\-')}\\s`));
    }
    expect(text).toContain(`${causeIndex.length} causes.`);
  });
});

describe('formatCause', () => {
  it.each(causeIndex.map((c) => c.id))('%s: title, explanation, steps and verify, with no placeholder left', (id) => {
    const text = formatCause(id);
    const d = causeDefinitions[id];
    expect(text).toContain(causeIndex.find((c) => c.id === id)?.title);
    expect(text).toContain('What happens:');
    expect(text).toContain('How to fix it:');
    expect(text).toMatch(/\nVerify:\n/);
    for (const p of PLACEHOLDERS) expect(text, p).not.toContain(p);
    expect(text.includes('Steps for specific services:')).toBe(d.services !== undefined);
  });

  it('with --service postgresql: its steps first, with the Debian and RHEL files and the restart', () => {
    const text = formatCause('bind-loopback-only', 'postgresql');
    const own = text.indexOf('Fix for PostgreSQL:');
    const generic = text.indexOf('How to fix it:');
    expect(own).toBeGreaterThan(0);
    expect(generic).toBeGreaterThan(own);
    expect(text).toContain('Debian/Ubuntu: sudo grep -n listen_addresses /etc/postgresql/*/*/postgresql.conf');
    expect(text).toContain('RHEL/Fedora: sudo grep -n listen_addresses /var/lib/pgsql/data/postgresql.conf');
    expect(text).toContain('Linux: sudo systemctl restart postgresql');
    expect(text).toContain('pg_hba.conf');
    expect(text).not.toContain('Steps for specific services:');
    expect(text).not.toContain('(--service redis)');
  });

  it('without --service: every service with steps is listed under its name and option', () => {
    const text = formatCause('bind-loopback-only');
    expect(text).toContain('Steps for specific services:');
    expect(text).toContain('  Redis (--service redis):');
    expect(text).toContain('  PostgreSQL (--service postgresql):');
    // Debian and RHEL name the Redis unit differently, so each gets its own line.
    expect(text).toContain('Debian/Ubuntu: sudo systemctl restart redis-server');
    expect(text).toContain('RHEL/Fedora: sudo systemctl restart redis\n');
    expect(text).toContain('portwise diagnose HOST:PORT');
  });

  it('an unknown service is said so, and the generic steps follow', () => {
    const text = formatCause('bind-loopback-only', 'frobnicator');
    expect(text).toContain('No known service is called "frobnicator"');
    expect(text).toContain('How to fix it:');
    expect(text).toContain("Linux: sudo ss -Htlnpe 'sport = :PORT'");
    expect(text).not.toContain('Fix for');
  });

  it('a known service without steps for this cause gets the generic steps and a note', () => {
    const text = formatCause('dns-failure', 'postgresql');
    expect(text).toContain('no steps of its own for PostgreSQL');
    expect(text).toContain('Resolve-DnsName HOST');
  });

  it('callers check the id first: the guard is exported with it', () => {
    expect(isCauseId('bind-loopback-only')).toBe(true);
    expect(isCauseId('bind-loopback')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { SERVICE_IDS, detectService, isServiceId, serviceProfiles, unitName } from '../../../shared/common/causes/services';

const detect = (hint: string | null, processNames: string[] = [], port = 1) => detectService({ hint, processNames, port })?.id ?? null;

describe('service profiles', () => {
  it('one profile per id, each with a name and, for systemd services, a unit', () => {
    expect(new Set(SERVICE_IDS).size).toBe(SERVICE_IDS.length);
    expect(Object.keys(serviceProfiles).sort()).toEqual([...SERVICE_IDS].sort());
    for (const id of SERVICE_IDS) {
      expect(serviceProfiles[id].id).toBe(id);
      expect(serviceProfiles[id].name.trim()).not.toBe('');
      expect(serviceProfiles[id].listenSetting.trim()).not.toBe('');
    }
    expect(isServiceId('postgresql')).toBe(true);
    expect(isServiceId('oracle')).toBe(false);
  });

  it('no process name belongs to two services (detection by process must be unambiguous)', () => {
    const names = SERVICE_IDS.flatMap((id) => serviceProfiles[id].processNames);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('detectService', () => {
  it.each([
    ['postgresql', 'postgresql'],
    ['postgresql.service', 'postgresql'],
    ['postgresql@15-main', 'postgresql'],
    ['postgresql-16', 'postgresql'],
    ['PostgreSQL', 'postgresql'],
    ['  postgres  ', 'postgresql'],
    ['redis-server', 'redis'],
    ['redis', 'redis'],
    ['nginx', 'nginx'],
    ['httpd', 'apache'],
    ['apache2.service', 'apache'],
    ['ssh.socket', 'openssh'],
    ['sshd', 'openssh'],
    ['mysqld', 'mysql'],
    ['mariadb', 'mariadb'],
    ['mongod', 'mongodb'],
    ['grafana-server', 'grafana'],
    ['docker', 'docker'],
    ['dockerd', 'docker-api'],
    ['MSSQLSERVER', 'sqlserver'],
  ])('the hint %j names %s', (hint, id) => {
    expect(detect(hint)).toBe(id);
  });

  it('the hint wins over the listener process and the port', () => {
    expect(detect('redis', ['postgres'], 5432)).toBe('redis');
  });

  it.each([
    [['postgres'], 9999, 'postgresql'],
    [['mariadbd'], 3306, 'mariadb'],
    [['docker-proxy'], 5432, 'docker'],
    [['beam.smp'], 1, 'rabbitmq'],
    [['sqlservr'], 1, 'sqlserver'],
    [['java', 'nginx'], 1, 'nginx'],
  ] as const)('the listener process %j on port %d names %s', (processes, port, id) => {
    expect(detect(null, [...processes], port)).toBe(id);
  });

  it.each([
    [5432, 'postgresql'],
    [3306, 'mysql'],
    [6379, 'redis'],
    [27017, 'mongodb'],
    [9200, 'elasticsearch'],
    [5672, 'rabbitmq'],
    [9092, 'kafka'],
    [11211, 'memcached'],
    [22, 'openssh'],
    [9090, 'prometheus'],
    [1433, 'sqlserver'],
    [2375, 'docker-api'],
    [2376, 'docker-api'],
  ])('port %d alone names %s', (port, id) => {
    expect(detect(null, ['java'], port)).toBe(id);
  });

  it.each([80, 443, 3000, 5000, 8000, 8080, 6543])('port %d alone names no service', (port) => {
    expect(detect(null, [], port)).toBeNull();
  });

  it('an unknown hint stops the port guess, but not the listener process', () => {
    expect(detect('my-app', [], 5432)).toBeNull();
    expect(detect('my-app', ['postgres'], 5432)).toBe('postgresql');
    expect(detect('', [], 5432)).toBe('postgresql');
  });
});

describe('unitName', () => {
  it('uses the hint when it is a unit of the service, without .service', () => {
    expect(unitName('postgresql@15-main.service', serviceProfiles.postgresql)).toBe('postgresql@15-main');
    expect(unitName('mysqld', serviceProfiles.mysql)).toBe('mysqld');
    expect(unitName('postgresql-16', serviceProfiles.postgresql)).toBe('postgresql-16');
  });

  it("uses the service's first unit when the hint is only a name for the service", () => {
    expect(unitName('pg', serviceProfiles.postgresql)).toBe('postgresql');
    expect(unitName(null, serviceProfiles.redis)).toBe('redis-server');
  });

  it('uses an unknown unit as typed, and SERVICE when nothing is known or the hint is no unit name', () => {
    expect(unitName('my-app.service', null)).toBe('my-app');
    expect(unitName(null, null)).toBe('SERVICE');
    expect(unitName(null, serviceProfiles.flask)).toBe('SERVICE');
    expect(unitName('a b', null)).toBe('SERVICE');
    expect(unitName('$(reboot)', null)).toBe('SERVICE');
  });
});

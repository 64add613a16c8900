import type { Platform } from '../schema/report';

/**
 * The services of refused-catalog.md Appendix A, as data: how to recognise one (the user's
 * `--service`, a listener's process name, a well-known port) and where its listen address is set.
 * The fix text per cause lives in `definitions.ts`; this file only knows the services.
 */

export const SERVICE_IDS = [
  'postgresql',
  'mysql',
  'mariadb',
  'redis',
  'mongodb',
  'elasticsearch',
  'rabbitmq',
  'kafka',
  'memcached',
  'nginx',
  'apache',
  'openssh',
  'docker',
  'nodejs',
  'flask',
  'django',
  'rails',
  'vite',
  'jupyter',
  'spring-boot',
  'aspnet',
  'tomcat',
  'grafana',
  'prometheus',
  'sqlserver',
  'iis',
  'docker-api',
] as const;

export type ServiceId = (typeof SERVICE_IDS)[number];

export interface ServiceProfile {
  id: ServiceId;
  /** As a person writes it: "PostgreSQL", "Docker (published ports)". */
  name: string;
  /** Other words a person may type for it (`--service pg`); matched like the id. */
  aliases: readonly string[];
  /**
   * Process names as `ss -p` shows them (the kernel's `comm`, at most 15 characters). Empty for
   * programs that run as a generic runtime (`java`, `python`), whose name proves nothing.
   */
  processNames: readonly string[];
  /** The default port(s); informational. Detection by port uses only the unambiguous ones. */
  wellKnownPorts: readonly number[];
  /**
   * Service unit names, systemd first (Debian name before the RHEL one where they differ); the first
   * fills `{unit}`. A name ending in `@` stands for its template instances (`postgresql@15-main`).
   * Windows services are listed by their service name.
   */
  units: readonly string[];
  /** Where Debian and RHEL name the unit differently (`mysql`/`mysqld`): both, for per-family commands. */
  familyUnits?: { debian: string; rhel: string };
  /** The setting that decides the listen address, as written in its configuration. */
  listenSetting: string;
  /** Where that setting lives, per OS family; `any` when it does not depend on the system. */
  configFile: Readonly<Partial<Record<Platform, string>>>;
}

const profiles: readonly ServiceProfile[] = [
  {
    id: 'postgresql',
    name: 'PostgreSQL',
    aliases: ['postgres', 'pg', 'pgsql'],
    processNames: ['postgres', 'postmaster'],
    wellKnownPorts: [5432],
    units: ['postgresql', 'postgresql@'],
    listenSetting: 'listen_addresses',
    configFile: { debian: '/etc/postgresql/VER/CLUSTER/postgresql.conf', rhel: '/var/lib/pgsql/data/postgresql.conf' },
  },
  {
    id: 'mysql',
    name: 'MySQL',
    aliases: ['mysql-server'],
    processNames: ['mysqld'],
    wellKnownPorts: [3306, 33060],
    units: ['mysql', 'mysqld'],
    familyUnits: { debian: 'mysql', rhel: 'mysqld' },
    listenSetting: 'bind-address',
    configFile: { debian: '/etc/mysql/mysql.conf.d/mysqld.cnf', rhel: '/etc/my.cnf.d/' },
  },
  {
    id: 'mariadb',
    name: 'MariaDB',
    aliases: ['mariadb-server'],
    processNames: ['mariadbd'],
    wellKnownPorts: [3306],
    units: ['mariadb'],
    listenSetting: 'bind-address',
    configFile: { debian: '/etc/mysql/mariadb.conf.d/50-server.cnf', rhel: '/etc/my.cnf.d/mariadb-server.cnf' },
  },
  {
    id: 'redis',
    name: 'Redis',
    aliases: ['valkey'],
    processNames: ['redis-server'],
    wellKnownPorts: [6379],
    units: ['redis-server', 'redis'],
    familyUnits: { debian: 'redis-server', rhel: 'redis' },
    listenSetting: 'bind',
    configFile: { debian: '/etc/redis/redis.conf', rhel: '/etc/redis/redis.conf' },
  },
  {
    id: 'mongodb',
    name: 'MongoDB',
    aliases: ['mongo'],
    processNames: ['mongod'],
    wellKnownPorts: [27017],
    units: ['mongod'],
    listenSetting: 'net.bindIp',
    configFile: { linux: '/etc/mongod.conf' },
  },
  {
    id: 'elasticsearch',
    name: 'Elasticsearch',
    aliases: ['opensearch', 'es'],
    processNames: [],
    wellKnownPorts: [9200],
    units: ['elasticsearch', 'opensearch'],
    listenSetting: 'network.host',
    configFile: { linux: '/etc/elasticsearch/elasticsearch.yml' },
  },
  {
    id: 'rabbitmq',
    name: 'RabbitMQ',
    aliases: ['rabbit'],
    processNames: ['beam.smp'],
    wellKnownPorts: [5672],
    units: ['rabbitmq-server'],
    listenSetting: 'listeners.tcp',
    configFile: { linux: '/etc/rabbitmq/rabbitmq.conf' },
  },
  {
    id: 'kafka',
    name: 'Kafka',
    aliases: ['apache-kafka'],
    processNames: [],
    wellKnownPorts: [9092],
    units: ['kafka'],
    listenSetting: 'listeners',
    configFile: { any: 'config/server.properties' },
  },
  {
    id: 'memcached',
    name: 'Memcached',
    aliases: ['memcache'],
    processNames: ['memcached'],
    wellKnownPorts: [11211],
    units: ['memcached'],
    listenSetting: '-l',
    configFile: { debian: '/etc/memcached.conf', rhel: '/etc/sysconfig/memcached' },
  },
  {
    id: 'nginx',
    name: 'nginx',
    aliases: [],
    processNames: ['nginx'],
    wellKnownPorts: [80, 443],
    units: ['nginx'],
    listenSetting: 'listen',
    configFile: { linux: '/etc/nginx/nginx.conf' },
  },
  {
    id: 'apache',
    name: 'Apache httpd',
    aliases: ['apache2', 'httpd', 'apache-httpd'],
    processNames: ['apache2', 'httpd'],
    wellKnownPorts: [80, 443],
    units: ['apache2', 'httpd'],
    familyUnits: { debian: 'apache2', rhel: 'httpd' },
    listenSetting: 'Listen',
    configFile: { debian: '/etc/apache2/ports.conf', rhel: '/etc/httpd/conf/httpd.conf' },
  },
  {
    id: 'openssh',
    name: 'OpenSSH',
    aliases: ['ssh', 'sshd', 'openssh-server'],
    processNames: ['sshd'],
    wellKnownPorts: [22],
    units: ['ssh', 'sshd'],
    familyUnits: { debian: 'ssh', rhel: 'sshd' },
    listenSetting: 'ListenAddress',
    configFile: { linux: '/etc/ssh/sshd_config' },
  },
  {
    id: 'docker',
    name: 'Docker (published ports)',
    aliases: ['docker-publish', 'docker-compose', 'compose', 'podman'],
    processNames: ['docker-proxy', 'rootlessport'],
    wellKnownPorts: [],
    units: ['docker'],
    listenSetting: '-p [IP:]HOSTPORT:CONTAINERPORT',
    configFile: { linux: '/etc/docker/daemon.json' },
  },
  {
    id: 'nodejs',
    name: 'Node.js',
    aliases: ['node', 'express'],
    processNames: ['node'],
    wellKnownPorts: [3000],
    units: [],
    listenSetting: 'server.listen(port, host)',
    configFile: {},
  },
  {
    id: 'flask',
    name: 'Flask',
    aliases: [],
    processNames: ['flask'],
    wellKnownPorts: [5000],
    units: [],
    listenSetting: 'flask run --host',
    configFile: {},
  },
  {
    id: 'django',
    name: 'Django',
    aliases: ['runserver'],
    processNames: [],
    wellKnownPorts: [8000],
    units: [],
    listenSetting: 'manage.py runserver ADDRESS:PORT',
    configFile: {},
  },
  {
    id: 'rails',
    name: 'Rails (Puma)',
    aliases: ['puma', 'ruby-on-rails'],
    processNames: ['puma'],
    wellKnownPorts: [3000],
    units: [],
    listenSetting: '-b / bind',
    configFile: { any: 'config/puma.rb' },
  },
  {
    id: 'vite',
    name: 'Vite',
    aliases: [],
    processNames: [],
    wellKnownPorts: [5173],
    units: [],
    listenSetting: 'server.host',
    configFile: { any: 'vite.config.js' },
  },
  {
    id: 'jupyter',
    name: 'Jupyter',
    aliases: ['jupyterlab', 'jupyter-lab', 'jupyter-notebook', 'notebook'],
    processNames: ['jupyter-lab', 'jupyter-noteboo'],
    wellKnownPorts: [8888],
    units: [],
    listenSetting: 'c.ServerApp.ip',
    configFile: {},
  },
  {
    id: 'spring-boot',
    name: 'Spring Boot',
    aliases: ['spring', 'springboot'],
    processNames: [],
    wellKnownPorts: [8080],
    units: [],
    listenSetting: 'server.address',
    configFile: { any: 'application.properties' },
  },
  {
    id: 'aspnet',
    name: 'ASP.NET Core (Kestrel)',
    aliases: ['asp.net', 'aspnetcore', 'kestrel', 'dotnet'],
    processNames: ['dotnet'],
    wellKnownPorts: [5000],
    units: [],
    listenSetting: 'ASPNETCORE_URLS',
    configFile: { any: 'appsettings.json' },
  },
  {
    id: 'tomcat',
    name: 'Tomcat',
    aliases: ['tomcat9', 'tomcat10'],
    processNames: [],
    wellKnownPorts: [8080],
    units: ['tomcat', 'tomcat9', 'tomcat10'],
    familyUnits: { debian: 'tomcat9', rhel: 'tomcat' },
    listenSetting: '<Connector address="...">',
    configFile: { debian: '/etc/tomcat9/server.xml', rhel: '/etc/tomcat/server.xml' },
  },
  {
    id: 'grafana',
    name: 'Grafana',
    aliases: ['grafana-server'],
    processNames: ['grafana', 'grafana-server'],
    wellKnownPorts: [3000],
    units: ['grafana-server'],
    listenSetting: 'http_addr',
    configFile: { linux: '/etc/grafana/grafana.ini' },
  },
  {
    id: 'prometheus',
    name: 'Prometheus',
    aliases: [],
    processNames: ['prometheus'],
    wellKnownPorts: [9090],
    units: ['prometheus'],
    listenSetting: '--web.listen-address',
    configFile: { debian: '/etc/default/prometheus' },
  },
  {
    id: 'sqlserver',
    name: 'SQL Server',
    aliases: ['mssql', 'mssql-server', 'ms-sql', 'mssqlserver'],
    processNames: ['sqlservr'],
    wellKnownPorts: [1433],
    units: ['mssql-server', 'MSSQLSERVER'],
    listenSetting: 'TCP/IP protocol, IPAll TcpPort',
    configFile: { windows: 'SQL Server Configuration Manager' },
  },
  {
    id: 'iis',
    name: 'IIS (HTTP.sys)',
    aliases: ['http.sys', 'w3svc'],
    processNames: [],
    wellKnownPorts: [80, 443],
    units: ['W3SVC'],
    listenSetting: 'site bindings, HTTP.sys iplisten list',
    configFile: { windows: 'IIS Manager (Get-WebBinding)' },
  },
  {
    id: 'docker-api',
    name: 'Docker Engine API',
    aliases: ['dockerd', 'docker-daemon', 'docker-engine'],
    processNames: ['dockerd'],
    wellKnownPorts: [2375, 2376],
    units: ['docker'],
    listenSetting: 'hosts (-H tcp://ADDR:2376)',
    configFile: { linux: '/etc/docker/daemon.json' },
  },
];

export const serviceProfiles: Readonly<Record<ServiceId, ServiceProfile>> = Object.fromEntries(profiles.map((p) => [p.id, p])) as Record<
  ServiceId,
  ServiceProfile
>;

/**
 * Ports that name one service on their own. 80, 443, 3000, 5000, 8000 and 8080 are left out on
 * purpose: many programs use them, and a wrong guess would put the wrong fix first.
 */
const unambiguousPorts: ReadonlyMap<number, ServiceId> = new Map<number, ServiceId>([
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
]);

export function isServiceId(id: string): id is ServiceId {
  return (SERVICE_IDS as readonly string[]).includes(id);
}

/** The forms a hint is compared in: as typed, without `.service`, without a template instance or version. */
function hintKeys(hint: string): string[] {
  const base = hint.trim().toLowerCase().replace(/\.(service|socket)$/, '');
  const keys = [base];
  const at = base.indexOf('@');
  if (at > 0) keys.push(base.slice(0, at + 1), base.slice(0, at));
  // RHEL's PGDG units (postgresql-16), versioned packages (tomcat9 is listed as is).
  const unversioned = base.replace(/-?\d+(\.\d+)*$/, '');
  if (unversioned !== base && unversioned !== '') keys.push(unversioned);
  return keys;
}

function namesOf(p: ServiceProfile): string[] {
  return [p.id, p.name, ...p.aliases, ...p.units, ...p.processNames].map((n) => n.toLowerCase());
}

function byHint(hint: string): ServiceProfile | null {
  const keys = hintKeys(hint);
  // Ids and aliases first, so `docker` is the publishing service and `dockerd` the Engine API.
  for (const key of keys) {
    const exact = profiles.find((p) => p.id === key || p.aliases.includes(key));
    if (exact) return exact;
  }
  for (const key of keys) {
    const found = profiles.find((p) => namesOf(p).includes(key));
    if (found) return found;
  }
  return null;
}

function byProcess(processNames: readonly string[]): ServiceProfile | null {
  for (const raw of processNames) {
    const name = raw.trim().toLowerCase();
    const found = profiles.find((p) => p.processNames.includes(name));
    if (found) return found;
  }
  return null;
}

export interface ServiceClues {
  /** What the user typed (`--service`): a unit, a program or a service name. */
  hint: string | null;
  /** The owners of the listeners on the port, as `ss -p` names them. */
  processNames: readonly string[];
  port: number;
}

/**
 * Which service the fix is for. Pure. The user's hint wins; then the process that listens; then a
 * port that names one service only. A hint that names no known service still stops the port guess:
 * the user said what runs there, and it is not the port's usual owner.
 */
export function detectService(clues: ServiceClues): ServiceProfile | null {
  const hint = clues.hint?.trim() ?? '';
  if (hint !== '') {
    const named = byHint(hint);
    if (named) return named;
  }
  const running = byProcess(clues.processNames);
  if (running) return running;
  if (hint !== '') return null;
  const id = unambiguousPorts.get(clues.port);
  return id ? serviceProfiles[id] : null;
}

/**
 * Characters a systemd unit name may hold (systemd.unit(5)); anything else is not put into a command.
 * Not a leading dash: in a command a person copies (`systemctl restart {unit}`) it would be an option.
 */
const UNIT_NAME = /^[A-Za-z0-9:_.\\@][A-Za-z0-9:_.\\@-]{0,199}$/;

/** The unit placeholders for one diagnosis: `{unit}`, and per-family names when the hint gave none. */
export interface UnitNames {
  unit: string;
  familyUnits: { debian: string; rhel: string } | null;
}

/**
 * The unit name that fills `{unit}`: the user's hint when it is a plausible unit name (without
 * `.service`) and not merely another word for a known service (`--service pg` is no unit); else the
 * service's first plain unit; else the word SERVICE for the reader to replace.
 */
export function unitName(hint: string | null, service: ServiceProfile | null): string {
  return unitNames(hint, service).unit;
}

export function unitNames(hint: string | null, service: ServiceProfile | null): UnitNames {
  const typed = hint?.trim().replace(/\.(service|socket)$/, '') ?? '';
  const plausible = typed !== '' && UNIT_NAME.test(typed);
  if (plausible && (service === null || hintKeys(typed).some((k) => service.units.map((u) => u.toLowerCase()).includes(k)))) return { unit: typed, familyUnits: null };
  const unit = service?.units.find((u) => !u.endsWith('@'));
  return { unit: unit ?? 'SERVICE', familyUnits: service?.familyUnits ?? null };
}

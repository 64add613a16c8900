import type { Platform } from '../schema/report';
import type { CauseId } from './catalog';
import type { ServiceId } from './services';
import { shellQuote } from '../shell';

/**
 * A command as the user would type it on one platform. `{host}`, `{port}`, `{target}` (host:port,
 * IPv6 in brackets) and `{unit}` (the systemd unit) are filled in by `fillPlaceholders`; words in
 * capitals (NAME, JAIL, ADDRESS) are for the reader to replace.
 */
export interface FixCommand {
  platform: Platform;
  command: string;
}

export interface RemediationStep {
  text: string;
  commands: readonly FixCommand[];
}

export interface CauseDefinition {
  id: CauseId;
  /** Plain words a support engineer can read out to a customer. */
  explanation: string;
  /** What evidence proves this cause. */
  proof: string;
  /** Generic steps, for any service. */
  remediation: readonly RemediationStep[];
  /** Steps for one service (refused-catalog.md Appendix A), shown before the generic ones. */
  services?: Partial<Record<ServiceId, readonly RemediationStep[]>>;
  /** How to check that the fix worked. */
  verify: { text: string; commands: readonly FixCommand[] };
}

type ServiceSteps = Partial<Record<ServiceId, readonly RemediationStep[]>>;

const cmd = (platform: Platform, command: string): FixCommand => ({ platform, command });
const step = (text: string, ...commands: FixCommand[]): RemediationStep => ({ text, commands });

// Commands used by many causes. Read-only unless they are the fix itself.
const rerun = cmd('any', 'portwise diagnose {target}');
const listeners: readonly FixCommand[] = [
  cmd('linux', "ss -Htlnp 'sport = :{port}'"),
  cmd('macos', 'lsof -nP -iTCP:{port} -sTCP:LISTEN'),
  cmd('freebsd', 'sockstat -46 -l -p {port}'),
  cmd('windows', 'Get-NetTCPConnection -LocalPort {port} -State Listen'),
];
const listenersAsRoot: readonly FixCommand[] = [
  cmd('linux', "sudo ss -Htlnpe 'sport = :{port}'"),
  cmd('macos', 'sudo lsof -nP -iTCP:{port} -sTCP:LISTEN'),
  cmd('freebsd', 'sockstat -46 -l -p {port}'),
  cmd('windows', 'Get-NetTCPConnection -LocalPort {port} -State Listen | Select-Object LocalAddress,LocalPort,OwningProcess'),
];
const restartUnit = cmd('linux', 'sudo systemctl restart {unit}');
const unitLog = cmd('linux', 'journalctl -u {unit} -n 100 --no-pager');
const unitState = cmd('linux', 'systemctl show {unit} -p ActiveState,SubState,Result,NRestarts --no-pager');
const selfProbe = cmd('linux', "timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}' && echo OPEN");
const dockerPs = cmd('any', "docker ps -a --format '{{.Names}}\\t{{.Status}}\\t{{.Ports}}'");

const recheckText = 'Run `portwise diagnose {target}` again: every address should now connect.';
const recheck = (...extra: FixCommand[]) => ({ text: recheckText, commands: [rerun, ...extra] });

// ---------------------------------------------------------------------------------------------
// Per-service steps (Appendix A), shared by the causes they fit.

/** The PostgreSQL client-authentication step: without it the refusal turns into `no pg_hba.conf entry`. */
const pgHba = step(
  'Let the clients in: add a `host` line for their network to `pg_hba.conf`, for example `host all all 10.0.0.0/24 scram-sha-256`, and reload. Without it PostgreSQL answers `no pg_hba.conf entry` (an authentication error, no longer a refusal).',
  cmd('linux', "sudo -u postgres psql -c 'SHOW hba_file;'"),
  cmd('linux', 'sudo systemctl reload {unit}'),
);

const mysqlAccount = step(
  "Let the account in from the client's address: its host part must match the client (`'app'@'10.0.0.%'` or `'app'@'%'`), not only `localhost`; otherwise the error is `Access denied`, no longer a refusal.",
  cmd('linux', 'sudo mysql -e "SELECT user, host FROM mysql.user"'),
);

const dockerApiTcp: readonly RemediationStep[] = [
  step(
    'The Docker daemon listens on the Unix socket `/var/run/docker.sock` only, unless `hosts` in `/etc/docker/daemon.json` (or `-H tcp://ADDRESS:2376`) adds a TCP listener. Add one only with TLS (`tlsverify` and certificates): the API without TLS gives root on the host to anyone who reaches it. On systemd hosts the unit\'s `-H fd://` conflicts with `hosts` in daemon.json; remove it in a drop-in (`systemctl edit docker`).',
    cmd('linux', 'systemctl cat docker'),
    cmd('linux', 'sudo cat /etc/docker/daemon.json'),
  ),
  step('Restart the daemon to apply it (containers stop with it unless `live-restore` is on).', cmd('linux', 'sudo systemctl restart docker')),
];

/** How to make each service listen on the address clients use (or every address), and apply it. */
const listenSteps: ServiceSteps = {
  postgresql: [
    step(
      "Set `listen_addresses` in `postgresql.conf` to the address clients connect to, or to `'*'` for every address; the default, `localhost`, accepts connections from the server itself only. Debian/Ubuntu: `/etc/postgresql/VER/CLUSTER/postgresql.conf`; RHEL/Fedora: `/var/lib/pgsql/data/postgresql.conf`; `SHOW config_file` names the file in use.",
      cmd('linux', "sudo -u postgres psql -c 'SHOW config_file;' -c 'SHOW listen_addresses;'"),
      cmd('debian', 'sudo grep -n listen_addresses /etc/postgresql/*/*/postgresql.conf'),
      cmd('rhel', 'sudo grep -n listen_addresses /var/lib/pgsql/data/postgresql.conf'),
    ),
    step('Restart PostgreSQL: `listen_addresses` is read only when the server starts, so a reload is not enough.', restartUnit, cmd('debian', 'pg_lsclusters')),
  ],
  mysql: [
    step(
      'Set `bind-address` under `[mysqld]` to the address clients use, or to `*` for every IPv4 and IPv6 address (`0.0.0.0` is IPv4 only); Debian/Ubuntu packages ship `127.0.0.1`. Debian/Ubuntu: `/etc/mysql/mysql.conf.d/mysqld.cnf`; RHEL/Fedora: a file under `/etc/my.cnf.d/`. `mysqlx-bind-address` does the same for the X Protocol port (33060). Make sure `skip-networking` is not set.',
      cmd('linux', 'sudo my_print_defaults mysqld'),
      cmd('debian', 'sudo grep -rn bind-address /etc/mysql/'),
      cmd('rhel', 'sudo grep -rn bind-address /etc/my.cnf /etc/my.cnf.d/'),
    ),
    step('Restart MySQL to apply it.', restartUnit),
  ],
  mariadb: [
    step(
      'Set `bind-address` under `[mysqld]` to the address clients use, or to `0.0.0.0` (every IPv4 address) or `::` (IPv4 and IPv6); Debian/Ubuntu packages ship `127.0.0.1`. Debian/Ubuntu: `/etc/mysql/mariadb.conf.d/50-server.cnf`; RHEL/Fedora: `/etc/my.cnf.d/mariadb-server.cnf`. Make sure `skip-networking` is not set.',
      cmd('linux', 'sudo my_print_defaults mysqld'),
      cmd('debian', 'sudo grep -n bind-address /etc/mysql/mariadb.conf.d/50-server.cnf'),
      cmd('rhel', 'sudo grep -rn bind-address /etc/my.cnf /etc/my.cnf.d/'),
    ),
    step('Restart MariaDB to apply it.', restartUnit),
  ],
  redis: [
    step(
      "Set `bind` in `redis.conf` to the addresses Redis should listen on: add the server's address to the default `bind 127.0.0.1 -::1`, or use `bind * -::*` for every address. Debian/Ubuntu and RHEL 9/Fedora: `/etc/redis/redis.conf`; RHEL 8: `/etc/redis.conf`.",
      cmd('linux', 'redis-cli -p {port} CONFIG GET bind'),
      cmd('linux', "sudo grep -nE '^(bind|protected-mode|port) ' /etc/redis/redis.conf /etc/redis.conf"),
    ),
    step(
      'Set a password (`requirepass`, or an ACL user) before Redis listens beyond loopback. With `protected-mode yes` and no password it accepts remote clients, answers `DENIED Redis is running in protected mode`, and closes: keep protected mode on and set a password rather than turning it off.',
      cmd('linux', 'redis-cli -p {port} CONFIG GET protected-mode'),
    ),
    step('Restart Redis to apply the new `bind`.', restartUnit),
  ],
  mongodb: [
    step(
      'Set `net.bindIp` in `/etc/mongod.conf` to `127.0.0.1` plus the address clients use (for example `127.0.0.1,10.0.0.5`), or `net.bindIpAll: true` for every address; MongoDB listens on localhost only by default. Turn on `security.authorization` before opening it.',
      cmd('linux', "grep -nE 'bindIp|bindIpAll|port' /etc/mongod.conf"),
    ),
    step('Restart mongod to apply it.', restartUnit),
  ],
  elasticsearch: [
    step(
      'Set `network.host` (and `http.host`, if it is set) in `/etc/elasticsearch/elasticsearch.yml` to the address clients use. A non-loopback address turns on the production bootstrap checks (for example `vm.max_map_count` of at least 262144), which stop a node that fails them; a single node also needs `discovery.type: single-node`.',
      cmd('linux', "sudo grep -nE '^(network|http)\\.host|^discovery\\.type' /etc/elasticsearch/elasticsearch.yml"),
      cmd('linux', 'sysctl vm.max_map_count'),
    ),
    step('Restart Elasticsearch, and read its log if it does not come up.', restartUnit, unitLog),
  ],
  rabbitmq: [
    step(
      'RabbitMQ listens on every address unless `listeners.tcp` in `/etc/rabbitmq/rabbitmq.conf` names one: use `listeners.tcp.default = 5672` for all, or `listeners.tcp.1 = ADDRESS:5672`. (The `guest` user may log in from localhost only: that is an authentication error, not a refusal.)',
      cmd('linux', 'sudo rabbitmq-diagnostics listeners'),
      cmd('linux', "sudo grep -n '^listeners' /etc/rabbitmq/rabbitmq.conf"),
    ),
    step('Restart RabbitMQ to apply it.', restartUnit),
  ],
  kafka: [
    step(
      "Set `listeners` in the broker's `server.properties` to an address clients reach (for example `PLAINTEXT://0.0.0.0:9092`), and `advertised.listeners` to the name or address clients should use: the broker hands that address to clients for every later connection.",
      cmd('linux', "grep -nE '^(advertised\\.)?listeners=' config/server.properties"),
    ),
    step('Restart the broker to apply it.', restartUnit),
  ],
  memcached: [
    step(
      'Set the `-l` option to the address clients use: Debian/Ubuntu `/etc/memcached.conf` (the line `-l 127.0.0.1`), RHEL/Fedora `OPTIONS` in `/etc/sysconfig/memcached`. Memcached has no authentication by default: open it to a private network only.',
      cmd('debian', "grep -n '^-l' /etc/memcached.conf"),
      cmd('rhel', 'grep -n OPTIONS /etc/sysconfig/memcached'),
    ),
    step('Restart memcached to apply it.', restartUnit),
  ],
  nginx: [
    step(
      'Change the `listen` directives of the `server` block: `listen {port};` listens on every IPv4 address and `listen [::]:{port};` on every IPv6 one, while `listen 127.0.0.1:{port};` (or another address) limits it to that address.',
      cmd('linux', 'sudo nginx -T 2>/dev/null | grep -n listen'),
    ),
    step('Check the configuration and reload nginx.', cmd('linux', 'sudo nginx -t && sudo systemctl reload {unit}')),
  ],
  apache: [
    step(
      'Change `Listen` to `Listen {port}` (every address) or `Listen ADDRESS:{port}`: Debian/Ubuntu `/etc/apache2/ports.conf`, RHEL/Fedora `/etc/httpd/conf/httpd.conf`. The `<VirtualHost>` lines must match.',
      cmd('debian', "grep -rn '^\\s*Listen' /etc/apache2/"),
      cmd('rhel', "grep -rn '^\\s*Listen' /etc/httpd/conf /etc/httpd/conf.d"),
    ),
    step('Check the configuration and restart Apache.', cmd('linux', 'sudo apachectl configtest && sudo systemctl restart {unit}')),
  ],
  openssh: [
    step(
      'Remove the `ListenAddress` lines from `/etc/ssh/sshd_config` (sshd then listens on every address) or list the address clients use; `sshd -T` shows the values in effect. On Ubuntu 22.10 and later sshd is socket-activated and `ssh.socket` decides the addresses.',
      cmd('linux', "sudo sshd -T | grep -iE '^(port|listenaddress|addressfamily) '"),
      cmd('debian', 'systemctl cat ssh.socket'),
    ),
    step(
      'Test the configuration and restart sshd; on socket-activated Ubuntu reload systemd and restart `ssh.socket`. Keep your current session open until a new login works.',
      cmd('linux', 'sudo sshd -t && sudo systemctl restart {unit}'),
      cmd('debian', 'sudo systemctl daemon-reload && sudo systemctl restart ssh.socket'),
    ),
  ],
  docker: [
    step(
      'Publish the port on every address, or on the one clients use: `-p {port}:CONTAINERPORT` (or `-p 0.0.0.0:{port}:CONTAINERPORT`) instead of `-p 127.0.0.1:{port}:CONTAINERPORT`; in Compose `ports: ["{port}:CONTAINERPORT"]`. An `"ip"` entry in `/etc/docker/daemon.json` changes the default publish address.',
      dockerPs,
      cmd('linux', "grep -n '\"ip\"' /etc/docker/daemon.json"),
    ),
    step('Published ports cannot change on a running container: recreate it (`docker compose up -d` recreates the services whose configuration changed).', cmd('any', 'docker compose up -d')),
  ],
  nodejs: [
    step(
      "Listen on every address: `server.listen({port})` without a host listens on `::` (IPv4 and IPv6), `server.listen({port}, '0.0.0.0')` on every IPv4 address; `'localhost'` or `'127.0.0.1'` accept local connections only. Restart the app.",
    ),
  ],
  flask: [
    step(
      "Start the development server on every address: `flask run --host 0.0.0.0`, or `app.run(host='0.0.0.0')`; by default it listens on `127.0.0.1:5000`. In production, set the WSGI server's bind address instead (gunicorn `--bind 0.0.0.0:{port}`).",
      cmd('any', 'flask run --host 0.0.0.0 --port {port}'),
    ),
  ],
  django: [
    step(
      'Give `runserver` the address: `python manage.py runserver 0.0.0.0:{port}` (its default is `127.0.0.1:8000`). Add the name clients use to `ALLOWED_HOSTS`, or they get HTTP 400.',
      cmd('any', 'python manage.py runserver 0.0.0.0:{port}'),
    ),
  ],
  rails: [
    step(
      "Bind Puma to every address: `bin/rails server -b 0.0.0.0`, or `bind 'tcp://0.0.0.0:{port}'` in `config/puma.rb`; in development Rails listens on localhost only.",
      cmd('any', 'bin/rails server -b 0.0.0.0 -p {port}'),
    ),
  ],
  vite: [
    step('Let Vite listen on every address: `vite --host` (or `server.host: true` in `vite.config.js`); by default it listens on localhost only.', cmd('any', 'npx vite --host 0.0.0.0 --port {port}')),
  ],
  jupyter: [
    step(
      "Start Jupyter on every address: `--ip=0.0.0.0`, or `c.ServerApp.ip = '0.0.0.0'` in `jupyter_server_config.py`; keep its token or password on.",
      cmd('any', 'jupyter lab --ip=0.0.0.0 --port={port}'),
    ),
  ],
  'spring-boot': [
    step(
      'Spring Boot listens on every address unless `server.address` is set: remove it, or set it to the address clients use (in `application.properties`, or `--server.address=0.0.0.0` on the command line).',
      cmd('any', 'java -jar app.jar --server.address=0.0.0.0 --server.port={port}'),
    ),
  ],
  aspnet: [
    step(
      'Give Kestrel an address that is not loopback: `--urls http://*:{port}` or `ASPNETCORE_URLS=http://*:{port}` (every address), or the `Kestrel:Endpoints` section of `appsettings.json`. With nothing set it listens on `http://localhost:5000`.',
      cmd('any', 'dotnet App.dll --urls "http://*:{port}"'),
    ),
  ],
  tomcat: [
    step(
      'Remove the `address` attribute of the `<Connector port="{port}" ...>` element in `server.xml` (Tomcat then listens on every address), or set it to the address clients use. Debian/Ubuntu: `/etc/tomcat9/server.xml` (or `/etc/tomcat10/`); RHEL/Fedora: `/etc/tomcat/server.xml`.',
      cmd('debian', "grep -n '<Connector' /etc/tomcat*/server.xml"),
      cmd('rhel', "grep -n '<Connector' /etc/tomcat/server.xml"),
    ),
    step('Restart Tomcat to apply it.', restartUnit),
  ],
  grafana: [
    step(
      'Set `http_addr` in the `[server]` section of `/etc/grafana/grafana.ini` to the address clients use, or leave it empty for every address.',
      cmd('linux', "grep -nE '^;?\\s*http_(addr|port)' /etc/grafana/grafana.ini"),
    ),
    step('Restart Grafana to apply it.', restartUnit),
  ],
  prometheus: [
    step(
      "Set `--web.listen-address` to `:{port}` (every address) or `ADDRESS:{port}` in the service's arguments: Debian/Ubuntu `ARGS` in `/etc/default/prometheus`, elsewhere the unit's `ExecStart`.",
      cmd('linux', 'systemctl cat {unit}'),
      cmd('debian', 'grep -n ARGS /etc/default/prometheus'),
    ),
    step('Restart Prometheus to apply it.', restartUnit),
  ],
  sqlserver: [
    step(
      'In SQL Server Configuration Manager, under SQL Server Network Configuration, Protocols for the instance, enable TCP/IP; on its IP Addresses tab enable the address clients use, or set the `IPAll` `TCP Port` (and clear `TCP Dynamic Ports` for a fixed port). Then restart the SQL Server service (`MSSQLSERVER` for the default instance, `MSSQL$NAME` for a named one) and start SQL Server Agent again if it ran.',
      cmd('windows', 'Get-NetTCPConnection -State Listen -OwningProcess (Get-Process sqlservr).Id'),
      cmd('windows', 'Restart-Service -Name MSSQLSERVER -Force'),
    ),
  ],
  iis: [
    step(
      'Check the site bindings (an IP address in a binding limits the site to it) and the HTTP.sys listen list: when `netsh http show iplisten` lists addresses, HTTP.sys listens on those only. As an administrator, add the address clients use, or delete the list to listen everywhere; the list takes effect after the HTTP service restarts (`net stop http /y`, then `net start w3svc`).',
      cmd('windows', 'Get-WebBinding'),
      cmd('windows', 'netsh http show iplisten'),
      cmd('windows', 'netsh http add iplisten ipaddress=ADDRESS'),
    ),
  ],
  'docker-api': dockerApiTcp,
};

const devServers = ['nodejs', 'flask', 'django', 'rails', 'vite', 'jupyter', 'spring-boot', 'aspnet'] as const satisfies readonly ServiceId[];

function pick(map: ServiceSteps, ids: readonly ServiceId[]): ServiceSteps {
  return Object.fromEntries(ids.flatMap((id) => (map[id] ? [[id, map[id]]] : [])));
}

/** Steps that first say where the address comes from, then the shared listen steps. */
function withExtra(base: ServiceSteps, extra: ServiceSteps): ServiceSteps {
  const out: ServiceSteps = { ...base };
  for (const [id, steps] of Object.entries(extra) as [ServiceId, readonly RemediationStep[]][]) out[id] = [...(base[id] ?? []), ...steps];
  return out;
}

const publishStep = step(
  'Publish the port when you start the container: `docker run -p {port}:CONTAINERPORT ...`, or `ports: ["{port}:CONTAINERPORT"]` in Compose. `EXPOSE` in the image documents a port but does not publish it.',
  dockerPs,
);

/** SELinux: give the port the type the service's domain may bind. */
function selinuxPort(type: string, name: string): readonly RemediationStep[] {
  return [
    step(
      `Label port {port} with \`${type}\`, the port type ${name} may bind under SELinux (use \`-m\` instead of \`-a\` when the port already has another type), then restart it. Do not turn SELinux off.`,
      cmd('rhel', `sudo semanage port -l | grep -w ${type}`),
      cmd('rhel', `sudo semanage port -a -t ${type} -p tcp {port}`),
      restartUnit,
    ),
  ];
}

const capabilityStep = (who: string) =>
  step(
    `${who} Give the unit the capability: \`systemctl edit {unit}\`, add \`AmbientCapabilities=CAP_NET_BIND_SERVICE\` under \`[Service]\`, and restart; or run it on a port above 1024 behind a reverse proxy.`,
    cmd('linux', 'systemctl show {unit} -p User,AmbientCapabilities,CapabilityBoundingSet --no-pager'),
    cmd('linux', 'sudo systemctl edit {unit}'),
    restartUnit,
  );

// ---------------------------------------------------------------------------------------------

export const causeDefinitions: Readonly<Record<CauseId, CauseDefinition>> = {
  'port-mismatch': {
    id: 'port-mismatch',
    explanation:
      'The client and the service disagree on the port: the service listens on another port than the one the client uses (or speaks another protocol, such as UDP only). Where nothing listens on the port the client uses, every address refuses at once, every time.',
    proof:
      'The expected program listens on the server, but on a different port: `ss -Htlnp` lists it (by process name, or by unit in the `cgroup:` field) on a port other than {port}, or its configured port differs from the one the client uses.',
    remediation: [
      step('Find the port the service really listens on.', cmd('linux', 'sudo ss -Htlnpe'), cmd('macos', 'sudo lsof -nP -iTCP -sTCP:LISTEN'), cmd('freebsd', 'sockstat -46 -l -P tcp'), cmd('windows', 'Get-NetTCPConnection -State Listen | Select-Object LocalAddress,LocalPort,OwningProcess')),
      step("Make the two agree: change the client's port (connection string, URL, environment) to the service's, or change the service's port setting and restart it.", restartUnit),
      step('If the service answers on UDP only, a TCP client cannot reach it: check for a UDP listener.', cmd('linux', "ss -Hulnp 'sport = :{port}'")),
    ],
    services: {
      postgresql: [
        step(
          'Read the `port` setting in `postgresql.conf`. On Debian/Ubuntu each cluster has its own port (a second cluster gets 5433): `pg_lsclusters` lists them.',
          cmd('debian', 'pg_lsclusters'),
          cmd('debian', "grep -nE '^\\s*port' /etc/postgresql/*/*/postgresql.conf"),
          cmd('rhel', "sudo grep -nE '^\\s*port' /var/lib/pgsql/data/postgresql.conf"),
        ),
      ],
      mysql: [step('Read `port` under `[mysqld]` (3306 by default; the X Protocol uses `mysqlx-port`, 33060).', cmd('linux', 'sudo my_print_defaults mysqld'))],
      mariadb: [step('Read `port` under `[mysqld]` (3306 by default).', cmd('linux', 'sudo my_print_defaults mysqld'))],
      redis: [step('Read `port` in `redis.conf`.', cmd('linux', "sudo grep -nE '^port ' /etc/redis/redis.conf /etc/redis.conf"))],
      mongodb: [step('Read `net.port` in `/etc/mongod.conf` (27017 by default).', cmd('linux', "grep -nE 'port' /etc/mongod.conf"))],
      kafka: [step("Read `listeners` in the broker's `server.properties`: the port is part of each listener URI.", cmd('linux', "grep -nE '^(advertised\\.)?listeners=' config/server.properties"))],
      openssh: [
        step(
          'Read the port in effect with `sshd -T`. On Ubuntu 22.10 and later sshd is socket-activated and the port comes from `ssh.socket` (`ListenStream=`): an edited `Port` line takes effect only after `systemctl daemon-reload` and a restart of `ssh.socket` (Ubuntu 24.04).',
          cmd('linux', "sudo sshd -T | grep -iE '^(port|listenaddress) '"),
          cmd('debian', 'systemctl cat ssh.socket'),
          cmd('debian', 'sudo systemctl daemon-reload && sudo systemctl restart ssh.socket'),
        ),
      ],
      sqlserver: [
        step(
          'A named instance listens on a dynamic port (`TcpDynamicPorts` under `IPAll`) that clients find through the SQL Server Browser on UDP 1434. Set a fixed `TCP Port` in SQL Server Configuration Manager, or make sure SQL Browser runs and UDP 1434 is open.',
          cmd('windows', 'Get-NetTCPConnection -State Listen -OwningProcess (Get-Process sqlservr).Id'),
          cmd('windows', 'Get-Service SQLBrowser'),
        ),
      ],
      docker: [step('The client must use the host port, the left side of `-p HOSTPORT:CONTAINERPORT`, not the port inside the container.', cmd('any', "docker ps --format '{{.Names}}\\t{{.Ports}}'"))],
      grafana: [step('Read `http_port` in the `[server]` section of `/etc/grafana/grafana.ini` (3000 by default).', cmd('linux', "grep -nE '^;?\\s*http_port' /etc/grafana/grafana.ini"))],
    },
    verify: recheck(...listeners),
  },

  'dns-wrong-target': {
    id: 'dns-wrong-target',
    explanation:
      'The name {host} leads to the address of a machine that does not run the service: a stale or wrong DNS record, an entry in a hosts file, a VPN with its own DNS, or an old cached answer. That machine refuses the connection.',
    proof:
      'On the server, the refused address is not one of its own (`ip route get ADDRESS` does not start with `local`), or SSH to that address lands on another machine; the system resolver and a plain DNS query may disagree.',
    remediation: [
      step(
        'Compare what the system resolver returns (hosts file included) with what DNS says.',
        cmd('linux', 'getent ahosts {host}'),
        cmd('any', 'dig +short {host} A; dig +short {host} AAAA'),
        cmd('macos', 'dscacheutil -q host -a name {host}'),
        cmd('windows', 'Resolve-DnsName {host} -DnsOnly'),
      ),
      step('Look for a hosts-file entry that overrides DNS.', cmd('linux', 'grep -nF {host} /etc/hosts'), cmd('macos', 'grep -nF {host} /etc/hosts'), cmd('windows', 'Select-String -Path C:\\Windows\\System32\\drivers\\etc\\hosts -Pattern {host} -SimpleMatch')),
      step(
        'Correct the DNS record or the hosts entry, then flush the caches that hold the old answer (and lower the TTL before the next migration).',
        cmd('linux', 'resolvectl flush-caches'),
        cmd('macos', 'sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder'),
        cmd('windows', 'ipconfig /flushdns'),
      ),
    ],
    verify: {
      text: 'The name {host} resolves to the address of the machine that runs the service, and `portwise diagnose {target}` connects on every address.',
      commands: [cmd('linux', 'getent ahosts {host}'), cmd('windows', 'Resolve-DnsName {host}'), rerun],
    },
  },

  'localhost-resolution-mismatch': {
    id: 'localhost-resolution-mismatch',
    explanation:
      'The name "{host}" stands for two loopback addresses, 127.0.0.1 (IPv4) and ::1 (IPv6), but the service listens on only one of them. A client that picks the other one is refused, although the service is running. Node.js 17 and later, and many other clients, try ::1 first.',
    proof: 'Per-address probes: one loopback family connects, the other is refused; the listener table shows the port on one family only.',
    remediation: [
      step('Either point the client at the address the service listens on (for example 127.0.0.1:{port} instead of localhost:{port}).', cmd('any', 'curl -v telnet://127.0.0.1:{port}')),
      step('Or make the service listen on both families: bind to the wildcard (`::` dual-stack) or to both 127.0.0.1 and ::1.', ...listeners),
      step("For a Node.js client you control, prefer IPv4 answers (`--dns-result-order=ipv4first`, or `dns.setDefaultResultOrder('ipv4first')` in code).", cmd('any', 'node --dns-result-order=ipv4first app.js')),
    ],
    services: {
      nodejs: [step("Omit the host in `server.listen({port})` (Node then listens on `::`, both families), or pass `'::'`; `listen({port}, 'localhost')` may end up on ::1 alone on newer Node versions.")],
      vite: [step('Vite listens on whatever "localhost" resolves to first: start it with `--host 127.0.0.1`, or `--host` for every address, so clients find it under both names.', cmd('any', 'npx vite --host 127.0.0.1 --port {port}'))],
      aspnet: [step('`http://localhost:{port}` makes Kestrel bind both 127.0.0.1 and ::1; if one family is missing, set `--urls http://localhost:{port}` explicitly instead of one literal address.', cmd('any', 'dotnet App.dll --urls "http://localhost:{port}"'))],
    },
    verify: {
      text: 'Both 127.0.0.1 and ::1 accept connections on port {port}: run `portwise diagnose {target}` again.',
      commands: [rerun, ...listeners],
    },
  },

  'aaaa-without-ipv6-listener': {
    id: 'aaaa-without-ipv6-listener',
    explanation:
      'The name has an IPv6 address, but the service listens on IPv4 only (for example `0.0.0.0:{port}`), so every IPv6 connection is refused. Clients that try IPv6 first fail or slow down; `curl -4` works.',
    proof: "The server's listener table shows an IPv4 socket on the port and no IPv6 or dual-stack one, while the IPv6 address is the server's own.",
    remediation: [
      step('Add an IPv6 listener: bind the program to `::` (dual-stack) or to the IPv6 address as well.', cmd('linux', "ss -Htln6 'sport = :{port}'")),
      step('If an IPv6 firewall rejects what IPv4 allows, mirror the IPv4 allow rule in ip6tables (or the `inet`/`ip6` nftables table).', cmd('linux', 'sudo ip6tables -S INPUT'), cmd('linux', 'sudo nft list ruleset')),
      step('Or remove the AAAA record if IPv6 is not meant to be served.', cmd('any', 'dig +short {host} AAAA')),
    ],
    services: {
      nginx: [
        step('Add `listen [::]:{port};` next to `listen {port};` in the `server` block (`listen {port};` alone is IPv4 only), then test and reload.', cmd('linux', 'sudo nginx -T 2>/dev/null | grep -n listen'), cmd('linux', 'sudo nginx -t && sudo systemctl reload {unit}')),
      ],
      apache: [
        step(
          '`Listen {port}` covers IPv4 and IPv6, `Listen 0.0.0.0:{port}` is IPv4 only: use the plain form or add `Listen [::]:{port}`, then restart.',
          cmd('debian', "grep -rn '^\\s*Listen' /etc/apache2/"),
          cmd('rhel', "grep -rn '^\\s*Listen' /etc/httpd/conf /etc/httpd/conf.d"),
          cmd('linux', 'sudo apachectl configtest && sudo systemctl restart {unit}'),
        ),
      ],
      postgresql: [step("`listen_addresses = '0.0.0.0'` is IPv4 only: use `'*'` (every IPv4 and IPv6 address) or add the IPv6 address, then restart.", cmd('linux', "sudo -u postgres psql -c 'SHOW listen_addresses;'"), restartUnit)],
      mysql: [step('`bind-address = 0.0.0.0` is IPv4 only: use `*` or `::` for both families, then restart.', cmd('linux', 'sudo my_print_defaults mysqld'), restartUnit)],
      mariadb: [step('`bind-address = 0.0.0.0` is IPv4 only: use `::` for both families, then restart.', cmd('linux', 'sudo my_print_defaults mysqld'), restartUnit)],
      redis: [step('`bind 0.0.0.0` is IPv4 only: add the IPv6 address, or use `bind * -::*`, then restart.', cmd('linux', 'redis-cli -p {port} CONFIG GET bind'), restartUnit)],
      nodejs: [step("`server.listen({port}, '0.0.0.0')` is IPv4 only: omit the host (Node listens on `::`, both families) or pass `'::'`.")],
      docker: [
        step(
          'Whether published ports also listen on IPv6 depends on the Docker version and the daemon configuration (`ipv6`, `ip6tables` in `/etc/docker/daemon.json`): check what the container publishes, and publish on the IPv6 address too.',
          cmd('any', 'docker port NAME'),
          cmd('linux', 'sudo cat /etc/docker/daemon.json'),
        ),
      ],
    },
    verify: { text: 'The port is listed on an IPv6 or dual-stack socket, and `portwise diagnose {target}` connects on the IPv6 address too.', commands: [cmd('linux', "ss -Htln6 'sport = :{port}'"), rerun] },
  },

  'v6only-listener-ipv4-refused': {
    id: 'v6only-listener-ipv4-refused',
    explanation:
      'The service listens on the IPv6 wildcard with the "IPv6 only" option (IPV6_V6ONLY), so it accepts IPv6 connections but refuses IPv4 ones. nginx `listen [::]:80;` works this way, and so does any program on a system with `net.ipv6.bindv6only = 1`.',
    proof: 'The listener is `[::]` on the port and IPv4 connections are refused while IPv6 would connect; `ss -Htlne` shows `v6only:1`.',
    remediation: [
      step(
        "Add an IPv4 listener next to the IPv6 one, or turn the socket dual-stack (the program's own option, or `net.ipv6.bindv6only = 0` before it starts).",
        cmd('linux', "ss -Htlne 'sport = :{port}'"),
        cmd('linux', 'sysctl net.ipv6.bindv6only'),
        cmd('freebsd', 'sysctl net.inet6.ip6.v6only'),
      ),
      step('Or have the client use the IPv6 address.'),
    ],
    services: {
      nginx: [
        step(
          '`listen [::]:{port};` is IPv6-only by default: add `listen {port};` for IPv4, or make it dual-stack with `listen [::]:{port} ipv6only=off;` (then drop a separate `listen {port};`, which would collide). Test and reload.',
          cmd('linux', 'sudo nginx -T 2>/dev/null | grep -n listen'),
          cmd('linux', 'sudo nginx -t && sudo systemctl reload {unit}'),
        ),
      ],
      nodejs: [step("Listen with `ipv6Only: false` (the default): `server.listen({ port: {port}, host: '::' })`; `ipv6Only: true` refuses IPv4.")],
      openssh: [step('`AddressFamily inet6` limits sshd to IPv6: set `AddressFamily any`, test, and restart.', cmd('linux', "sudo sshd -T | grep -iE '^(addressfamily|listenaddress) '"), cmd('linux', 'sudo sshd -t && sudo systemctl restart {unit}'))],
      postgresql: [step("`listen_addresses = '::'` listens on IPv6 only: use `'*'` for both families, or add `0.0.0.0`, then restart.", cmd('linux', "sudo -u postgres psql -c 'SHOW listen_addresses;'"), restartUnit)],
    },
    verify: { text: 'An IPv4 or dual-stack listener (`0.0.0.0`, `*`, or `v6only:0`) is on the port, and `portwise diagnose {target}` connects over IPv4.', commands: [cmd('linux', "ss -Htlne 'sport = :{port}'"), rerun] },
  },

  'client-local-block': {
    id: 'client-local-block',
    explanation:
      'Something on this computer rejects the connection before it leaves: a local firewall rule, an endpoint security agent, or a VPN client. The refusal comes back far faster than the network could answer.',
    proof: 'The refusal arrives in well under the round-trip time to the server (often under a millisecond), and other computers connect; the server sees no connection attempt.',
    remediation: [
      step(
        'Look for local rules that reject outgoing or loopback traffic to the port.',
        cmd('linux', 'sudo iptables -S OUTPUT; sudo nft list ruleset'),
        cmd('macos', 'sudo pfctl -sr'),
        cmd('windows', 'Get-NetFirewallRule -Direction Outbound -Action Block -Enabled True'),
      ),
      step('Check security or VPN software on this computer, allow the destination there, and ask whether the same connection works from another computer or network.'),
    ],
    verify: recheck(),
  },

  'proxy-refusal': {
    id: 'proxy-refusal',
    explanation:
      'The connection goes through a proxy. Either the proxy itself refused (it is down, or the client uses the wrong proxy port), or the proxy reached out to {host} and was refused there, and passed the error on.',
    proof: 'The failing connection was to the proxy address, or the proxy reported the refusal (curl `CONNECT tunnel failed, response 502`, a proxy error page with `(111) Connection refused`); the proxy settings point at it.',
    remediation: [
      step(
        'See which proxy the client uses.',
        cmd('linux', 'env | grep -i _proxy'),
        cmd('macos', 'scutil --proxy'),
        cmd('windows', 'netsh winhttp show proxy'),
        cmd('windows', "Get-ItemProperty 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings' | Select-Object ProxyEnable,ProxyServer,ProxyOverride,AutoConfigURL"),
      ),
      step('For an internal host, add it to `NO_PROXY` (or the PAC bypass list) so the client connects directly; if the proxy itself is down, start it or correct its address and port.'),
      step('If the proxy reports that {host} refused it, diagnose the target from the proxy machine: the refusal happens there.', cmd('any', 'portwise diagnose {target}')),
    ],
    verify: { text: 'The client reaches {target} directly (or through a working proxy): run `portwise diagnose {target}` again and retry the application.', commands: [rerun, cmd('linux', 'env | grep -i _proxy')] },
  },

  'ssh-tunnel-down': {
    id: 'ssh-tunnel-down',
    explanation:
      'Port {port} on this computer is meant to be an SSH (or `kubectl port-forward`) tunnel to the real service, but the tunnel is not running, so nothing listens locally. If it runs but its far end is refused, the connection opens and closes at once.',
    proof: 'No `ssh` or `kubectl` process listens on the local port; or the ssh client prints `channel N: open failed: connect failed: Connection refused`.',
    remediation: [
      step('Check whether the tunnel listens on the local port.', ...listeners),
      step(
        'Start the tunnel again, with options that make it fail loudly and stay up (or use autossh).',
        cmd('any', 'ssh -N -o ExitOnForwardFailure=yes -o ServerAliveInterval=30 -L {port}:TARGET:TARGETPORT USER@JUMPHOST'),
      ),
      step('If the tunnel runs and the far end refuses, diagnose TARGET:TARGETPORT from the SSH server: the forward target is wrong or its service is down.'),
    ],
    verify: { text: 'An `ssh` (or `kubectl`) process listens on port {port}, and `portwise diagnose {target}` connects.', commands: [rerun, ...listeners] },
  },

  'middlebox-rst': {
    id: 'middlebox-rst',
    explanation:
      'A device on the network between this computer and the server, such as a firewall, an intrusion-prevention system, a VPN gateway or a provider filter, answers for the server and rejects the connection. The server never sees it.',
    proof: 'The server sees no connection attempt during a probe (no SYN in a capture, firewall counters unchanged), its listener is healthy, and the connection works from another network.',
    remediation: [
      step('Confirm on the server that the attempt never arrives (a short capture during one probe, with consent).', cmd('linux', "sudo timeout 15 tcpdump -ni any -c 5 'tcp[tcpflags] & tcp-syn != 0 and port {port}'")),
      step('Try from another network (a phone hotspot) and with and without the VPN, then ask the network or security team to allow the destination and port.'),
    ],
    verify: recheck(),
  },

  'nat-hairpin-or-port-forward-missing': {
    id: 'nat-hairpin-or-port-forward-missing',
    explanation:
      'The address {host} is the public address of an edge router, not of the server. The router has no port-forward for {port}, or it does not loop connections from inside the network back in (NAT loopback or "hairpinning"), so it answers for itself and refuses.',
    proof: "The address is the router's WAN address; the server does not own it (`ip route get ADDRESS` is not `local`) and sees no connection attempt; from outside the network it works, or fails everywhere when the forward is missing.",
    remediation: [
      step("Add the port-forward for {port} to the server's internal address on the router, and enable NAT loopback (hairpinning) if clients inside the network use the public address."),
      step('Or let inside clients use the internal address, for example through split-horizon DNS that answers {host} with it.', cmd('linux', 'getent ahosts {host}')),
    ],
    verify: { text: 'From inside and outside the network, `portwise diagnose {target}` connects.', commands: [rerun] },
  },

  'service-not-running': {
    id: 'service-not-running',
    explanation:
      'Nothing is listening on port {port}, so the operating system answers every connection attempt with an immediate refusal. The program that should answer is stopped, crashed, or not installed on this machine.',
    proof: 'Every address refuses at once on every attempt, and the listener table shows no socket on the port.',
    remediation: [
      step(
        'Find which program should own port {port} and start it (and enable it, so it starts after a reboot).',
        cmd('linux', 'systemctl list-units --type=service --all --no-pager'),
        cmd('linux', 'sudo systemctl enable --now {unit}'),
        cmd('macos', 'brew services list'),
        cmd('freebsd', 'service -e'),
        cmd('windows', 'Get-Service | Where-Object Status -ne Running'),
      ),
      step(
        'If it stopped by itself, read its log to learn why before starting it again.',
        unitLog,
        cmd('windows', "Get-WinEvent -FilterHashtable @{LogName='System'; ProviderName='Service Control Manager'} -MaxEvents 20"),
      ),
      step('Check that it now listens on the port.', ...listeners),
    ],
    services: {
      postgresql: [
        step(
          'Debian/Ubuntu run one unit per cluster (`postgresql@VER-CLUSTER`): `pg_lsclusters` shows which cluster is down and its log file. RHEL/Fedora need `postgresql-setup --initdb` once before the first start.',
          cmd('debian', 'pg_lsclusters'),
          cmd('debian', 'sudo systemctl start postgresql@VER-CLUSTER'),
          cmd('rhel', 'sudo systemctl enable --now postgresql'),
        ),
      ],
      mysql: [step('The unit is `mysql` on Debian/Ubuntu and `mysqld` on RHEL/Fedora; its error log says why it stopped.', cmd('debian', 'sudo systemctl enable --now mysql'), cmd('rhel', 'sudo systemctl enable --now mysqld'), cmd('debian', 'sudo tail -n 50 /var/log/mysql/error.log'))],
      mariadb: [step('Start MariaDB and read its log if it stops again.', cmd('linux', 'sudo systemctl enable --now mariadb'), cmd('linux', 'journalctl -u mariadb -n 100 --no-pager'))],
      redis: [step('The unit is `redis-server` on Debian/Ubuntu and `redis` on RHEL/Fedora.', cmd('debian', 'sudo systemctl enable --now redis-server'), cmd('rhel', 'sudo systemctl enable --now redis'))],
      mongodb: [step('Start mongod and read its log if it stops again.', cmd('linux', 'sudo systemctl enable --now mongod'), cmd('linux', 'sudo tail -n 50 /var/log/mongodb/mongod.log'))],
      elasticsearch: [step('Elasticsearch stops at start when a bootstrap check fails (for example `vm.max_map_count` too low): its log names the check.', cmd('linux', 'sudo systemctl enable --now elasticsearch'), cmd('linux', 'sudo tail -n 50 /var/log/elasticsearch/elasticsearch.log'), cmd('linux', 'sysctl vm.max_map_count'))],
      openssh: [step('The unit is `ssh` on Debian/Ubuntu (socket-activated through `ssh.socket` on Ubuntu 22.10 and later) and `sshd` on RHEL/Fedora.', cmd('debian', 'systemctl status ssh.socket ssh.service --no-pager'), cmd('debian', 'sudo systemctl enable --now ssh'), cmd('rhel', 'sudo systemctl enable --now sshd'))],
      docker: [step('A published port exists only while its container runs: find the container, read why it stopped, and start it.', dockerPs, cmd('any', 'docker logs --tail 100 NAME'), cmd('any', 'docker start NAME'))],
      sqlserver: [step('Start the SQL Server service (`MSSQLSERVER` for the default instance, `MSSQL$NAME` for a named one); on Linux the unit is `mssql-server`.', cmd('windows', "Get-Service -Name 'MSSQL*','SQLBrowser'"), cmd('windows', 'Start-Service -Name MSSQLSERVER'), cmd('linux', 'sudo systemctl enable --now mssql-server'))],
      iis: [step('Start the World Wide Web Publishing Service and its Windows Process Activation Service.', cmd('windows', 'Get-Service W3SVC,WAS'), cmd('windows', 'Start-Service W3SVC'))],
    },
    verify: {
      text: 'Run `portwise diagnose {target}` again: every address should now connect, and the listener table should show the port.',
      commands: [rerun, ...listeners],
    },
  },

  'service-crash-loop': {
    id: 'service-crash-loop',
    explanation:
      'The service starts, crashes and is restarted again and again, so the port is open only in short moments between crashes. Its log shows why it dies.',
    proof: 'systemctl shows the unit restarting (SubState auto-restart, a growing restart count) or stopped after too many restarts (start-limit-hit); `docker ps` shows `Restarting`, Kubernetes `CrashLoopBackOff`.',
    remediation: [
      step('Read why it exits, fix that, then clear the failed state and start it.', unitLog, unitState, cmd('linux', 'sudo systemctl reset-failed {unit} && sudo systemctl start {unit}')),
      step(
        'For a container, read the log of the last run and its restart count; in Kubernetes the previous container\'s log.',
        cmd('any', 'docker logs --tail 100 NAME'),
        cmd('any', "docker inspect -f '{{.RestartCount}}' NAME"),
        cmd('any', 'kubectl logs --previous POD -n NS'),
      ),
      step('On Windows, the System log records unexpected terminations (events 7031 and 7034).', cmd('windows', "Get-WinEvent -FilterHashtable @{LogName='System'; ProviderName='Service Control Manager'} -MaxEvents 20")),
    ],
    services: {
      docker: [step('Find the container that keeps restarting and read its last output.', dockerPs, cmd('any', 'docker logs --tail 100 NAME'))],
    },
    verify: { text: 'The unit stays active: read its state twice a minute apart, `NRestarts` must not grow. Then run `portwise diagnose {target}` again.', commands: [unitState, rerun] },
  },

  'service-oom-killed': {
    id: 'service-oom-killed',
    explanation: 'The kernel killed the service because the machine or its cgroup ran out of memory; nothing listens until it is restarted.',
    proof: 'The kernel log shows "Out of memory: Killed process" or an `oom-kill` line naming the service, or the unit Result is `oom-kill` (Docker: `OOMKilled` true, exit code 137).',
    remediation: [
      step(
        'Confirm the kill and which limit was hit.',
        cmd('linux', "journalctl -k --since -2h --no-pager | grep -iE 'out of memory|oom-kill|killed process'"),
        cmd('linux', 'systemctl show {unit} -p Result,MemoryMax --no-pager'),
        cmd('any', "docker inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' NAME"),
      ),
      step('Raise the limit (`MemoryMax=` in the unit via `systemctl edit {unit}`, the container limit, the JVM heap) or find the leak; keep a restart policy so it comes back.', cmd('linux', 'sudo systemctl edit {unit}'), restartUnit),
    ],
    verify: { text: 'The service stays up under its usual load with no new OOM lines in the kernel log; run `portwise diagnose {target}` again.', commands: [unitState, rerun] },
  },

  'service-starting-up': {
    id: 'service-starting-up',
    explanation: 'The service is still starting: the port opens only once it is ready. This is normal for a few seconds after a restart or boot; if it lasts, the start hangs.',
    proof: 'systemctl shows the unit `activating` (start), or started seconds ago; its log is still initialising.',
    remediation: [
      step('Watch the unit become active, and read its log if it does not.', cmd('linux', 'systemctl show {unit} -p ActiveState,SubState,ExecMainStartTimestamp,ActiveEnterTimestamp --no-pager'), unitLog),
      step('Make clients retry with backoff, and order dependent services after it (`After=`/`Requires=`, Compose `depends_on` with `condition: service_healthy`).'),
    ],
    verify: { text: 'The unit is `active` and the port listens; run `portwise diagnose {target}` again.', commands: [cmd('linux', 'systemctl is-active {unit}'), rerun] },
  },

  'bind-loopback-only': {
    id: 'bind-loopback-only',
    explanation:
      'The service listens on the loopback address only, so it accepts connections from the server itself and nobody else. Redis in protected mode is a variant: it accepts, answers "DENIED", and closes.',
    proof: 'The listener table shows only 127.0.0.1 or ::1 on the port, or Redis answered "DENIED Redis is running in protected mode"; from the server, 127.0.0.1:{port} connects while its own address is refused.',
    remediation: [
      step(
        "Change the service's listen address to the address clients use, or to the wildcard, then restart it (PostgreSQL `listen_addresses`, MySQL `bind-address`, Redis `bind` and `protected-mode`, nginx `listen`, Docker `-p`).",
        ...listenersAsRoot,
      ),
      step('Open authentication and the firewall for the clients too (pg_hba.conf, MySQL user host part, the server firewall).'),
    ],
    services: withExtra(listenSteps, { postgresql: [pgHba], mysql: [mysqlAccount], mariadb: [mysqlAccount] }),
    verify: {
      text: 'On the server the port is now bound to the wildcard or to the address clients use, not only 127.0.0.1 or ::1. Then run `portwise diagnose {target}` again.',
      commands: [...listeners, rerun],
    },
  },

  'bind-wrong-interface-ip': {
    id: 'bind-wrong-interface-ip',
    explanation:
      'The service is running, but it listens on one specific address, and the address you connect to is a different one. The operating system refuses connections to every address the service did not bind.',
    proof: 'The listener table shows the port bound to an address other than the refused one (or to one interface, `%eth1`), and no wildcard listener.',
    remediation: [
      step('See which address the service bound.', ...listenersAsRoot),
      step('Connect to the address the service listens on, or configure the service to listen on the wildcard (0.0.0.0 and ::) or on the address clients use. If the address changed with DHCP, reserve it.'),
    ],
    services: listenSteps,
    verify: { text: 'The port is bound to the wildcard or to the address clients connect to; run `portwise diagnose {target}` again.', commands: [...listeners, rerun] },
  },

  'bind-address-unavailable': {
    id: 'bind-address-unavailable',
    explanation: 'The service is configured to listen on an address this server does not have (any more, or not yet at boot), so it failed at start ("Cannot assign requested address").',
    proof: 'The service log shows "Cannot assign requested address" (EADDRNOTAVAIL, Windows 10049) at start, and the unit failed; `ip -o addr` lacks the address, or has it now (a boot race).',
    remediation: [
      step('Compare the configured address with the addresses the server has.', cmd('linux', 'ip -o addr show'), unitLog),
      step(
        'Correct the listen address; or, if the address comes up late at boot, order the service after the network (`Wants=network-online.target` and `After=network-online.target` via `systemctl edit {unit}`), or allow a non-local bind (`net.ipv4.ip_nonlocal_bind=1`, socket units `FreeBind=yes`). Then restart it.',
        cmd('linux', 'sudo systemctl edit {unit}'),
        cmd('linux', 'sysctl net.ipv4.ip_nonlocal_bind net.ipv6.ip_nonlocal_bind'),
        restartUnit,
      ),
    ],
    services: listenSteps,
    verify: { text: 'The unit is active and the port listens on an address the server has; run `portwise diagnose {target}` again.', commands: [cmd('linux', 'systemctl is-active {unit}'), ...listeners, rerun] },
  },

  'port-in-use-conflict': {
    id: 'port-in-use-conflict',
    explanation: 'The service could not start because another program already holds port {port} ("Address already in use").',
    proof: 'The service log shows "Address already in use" (EADDRINUSE, Windows 10048, Docker "port is already allocated") at start, and another program owns the port.',
    remediation: [
      step(
        'Find the program that holds the port.',
        cmd('linux', "sudo ss -Htlnp 'sport = :{port}'"),
        cmd('macos', 'sudo lsof -nP -iTCP:{port} -sTCP:LISTEN'),
        cmd('freebsd', 'sockstat -46 -l -p {port}'),
        cmd('windows', 'Get-Process -Id (Get-NetTCPConnection -LocalPort {port} -State Listen).OwningProcess'),
        cmd('any', "docker ps --format '{{.Names}}\\t{{.Ports}}'"),
      ),
      step('Stop or reconfigure that program (or move the service to another port), then start the service.', restartUnit),
    ],
    verify: { text: 'The intended service owns port {port}; run `portwise diagnose {target}` again.', commands: [cmd('linux', "sudo ss -Htlnp 'sport = :{port}'"), rerun] },
  },

  'privileged-port-denied': {
    id: 'privileged-port-denied',
    explanation: 'The service runs as an ordinary user and may not bind a port below 1024, so it failed at start ("Permission denied").',
    proof: 'The service log shows "Permission denied" at bind (`listen EACCES`, rootless containers `cannot expose privileged port`) and no SELinux denial.',
    remediation: [
      capabilityStep('An ordinary user needs `CAP_NET_BIND_SERVICE` for ports below 1024.'),
      step(
        'Or grant it to the program file (`setcap cap_net_bind_service=+ep BINARY`), or lower `net.ipv4.ip_unprivileged_port_start` for the whole host.',
        cmd('linux', 'sysctl net.ipv4.ip_unprivileged_port_start'),
        cmd('linux', 'getcap $(command -v BINARY)'),
      ),
    ],
    services: {
      nodejs: [
        step(
          'Node.js reports `listen EACCES: permission denied` on ports below 1024 as an ordinary user. Run it on a high port behind a reverse proxy, or give its unit `AmbientCapabilities=CAP_NET_BIND_SERVICE`; avoid `setcap` on the node binary, which would grant the port to every script it runs.',
          cmd('linux', 'sudo systemctl edit {unit}'),
        ),
      ],
      docker: [
        step(
          'Rootless Docker or Podman cannot publish ports below 1024 (`rootlessport cannot expose privileged port`): publish a high port, or lower the limit for the host (and persist it in `/etc/sysctl.d/`).',
          cmd('linux', 'sysctl net.ipv4.ip_unprivileged_port_start'),
          cmd('linux', 'sudo sysctl -w net.ipv4.ip_unprivileged_port_start={port}'),
        ),
      ],
      nginx: [capabilityStep('nginx binds its ports as root and then drops privileges: `Permission denied` means it was started as another user (`User=` in the unit, or an unprivileged image). Start it as root, or:')],
      apache: [capabilityStep('Apache binds its ports as root and then drops privileges: `Permission denied` means it was started as another user. Start it as root, or:')],
      tomcat: [capabilityStep('Tomcat runs as the `tomcat` user.')],
      grafana: [capabilityStep('Grafana runs as the `grafana` user.')],
    },
    verify: { text: 'The unit is active and listens on port {port}; run `portwise diagnose {target}` again.', commands: [cmd('linux', 'systemctl is-active {unit}'), ...listeners, rerun] },
  },

  'mac-policy-bind-denied': {
    id: 'mac-policy-bind-denied',
    explanation:
      'SELinux (or AppArmor) does not allow this service to use port {port}, so it failed at start. Confined services may bind only ports labelled for them; moving one to a non-standard port needs the label too.',
    proof: 'SELinux is `Enforcing` and the audit log has `avc: denied { name_bind }` for the service and the port (AppArmor: `apparmor="DENIED"` in the kernel log); the service log shows "Permission denied" at bind.',
    remediation: [
      step(
        'Read the denial: it names the program (`comm=`) and the type the port has now (`tcontext=`).',
        cmd('rhel', 'getenforce'),
        cmd('rhel', 'sudo ausearch -m AVC,USER_AVC -ts recent -i'),
        cmd('rhel', 'sudo semanage port -l | grep -w {port}'),
      ),
      step("Give the port the type the service's domain may bind (`semanage port -l` lists the types), then restart the service. Do not turn SELinux off.", cmd('rhel', 'sudo semanage port -a -t PORT_TYPE -p tcp {port}'), restartUnit),
      step("AppArmor: find the profile in the kernel's denial and allow the network access in it, then reload the profile.", cmd('debian', "sudo journalctl -k --no-pager | grep 'apparmor=\"DENIED\"'"), cmd('debian', 'sudo aa-status')),
    ],
    services: {
      postgresql: selinuxPort('postgresql_port_t', 'PostgreSQL'),
      mysql: selinuxPort('mysqld_port_t', 'MySQL'),
      mariadb: selinuxPort('mysqld_port_t', 'MariaDB'),
      redis: selinuxPort('redis_port_t', 'Redis'),
      mongodb: selinuxPort('mongod_port_t', 'MongoDB'),
      memcached: selinuxPort('memcache_port_t', 'Memcached'),
      nginx: selinuxPort('http_port_t', 'nginx'),
      apache: selinuxPort('http_port_t', 'Apache httpd'),
      openssh: selinuxPort('ssh_port_t', 'sshd'),
    },
    verify: { text: 'The port has the service\'s type, the unit is active, and no new AVC denial appears; run `portwise diagnose {target}` again.', commands: [cmd('rhel', 'sudo semanage port -l | grep -w {port}'), cmd('linux', 'systemctl is-active {unit}'), rerun] },
  },

  'tcp-disabled-unix-socket-only': {
    id: 'tcp-disabled-unix-socket-only',
    explanation:
      'The service runs, but it has TCP turned off and serves a Unix socket file only, which programs on the same machine use. Nothing listens on port {port}, so network clients are refused.',
    proof: 'The unit is active, `ss -Hxlp` shows its Unix socket, and no TCP listener exists; its configuration turns TCP off (MySQL `skip-networking`, PostgreSQL `listen_addresses = \'\'`, Redis `port 0`, a Docker daemon without `-H tcp://`).',
    remediation: [
      step('Confirm the service is up and serves a socket file only.', cmd('linux', 'systemctl is-active {unit}'), cmd('linux', 'sudo ss -Hxlp'), cmd('linux', "ss -Htlnp 'sport = :{port}'")),
      step("Enable a TCP listener in the service's configuration, with a bind address and authentication (TLS where the service supports it), then restart it.", restartUnit),
    ],
    services: {
      mysql: [
        step(
          'Remove `skip-networking` from the `[mysqld]` option files (`SELECT @@skip_networking` returns 1 while it is on), set `bind-address`, and restart.',
          cmd('linux', 'sudo mysql -e "SELECT @@skip_networking, @@bind_address, @@port"'),
          cmd('linux', 'sudo my_print_defaults mysqld'),
          restartUnit,
        ),
      ],
      mariadb: [
        step(
          'Remove `skip-networking` from the option files (`SELECT @@skip_networking` returns 1 while it is on), set `bind-address`, and restart.',
          cmd('linux', 'sudo mysql -e "SELECT @@skip_networking, @@bind_address, @@port"'),
          cmd('linux', 'sudo my_print_defaults mysqld'),
          restartUnit,
        ),
      ],
      postgresql: [
        step("`listen_addresses = ''` turns TCP off: set it to the address clients use (or `'*'`) in `postgresql.conf`, and restart.", cmd('linux', "sudo -u postgres psql -c 'SHOW listen_addresses;'"), restartUnit),
        pgHba,
      ],
      redis: [
        step(
          '`port 0` in `redis.conf` turns TCP off (only `unixsocket` is served): set `port 6379` (or the port clients use) and a `bind` address, set a password, and restart.',
          cmd('linux', "sudo grep -nE '^(port|bind|unixsocket) ' /etc/redis/redis.conf /etc/redis.conf"),
          restartUnit,
        ),
      ],
      sqlserver: [
        step(
          'SQL Server Express and Developer install with TCP/IP disabled: enable it in SQL Server Configuration Manager (SQL Server Network Configuration, Protocols for the instance, TCP/IP), set the `IPAll` `TCP Port`, and restart the SQL Server service. Named instances also need the SQL Server Browser (UDP 1434) or the port in the connection string.',
          cmd('windows', "Get-Service -Name 'MSSQL*','SQLBrowser'"),
          cmd('windows', 'Restart-Service -Name MSSQLSERVER -Force'),
        ),
      ],
      'docker-api': dockerApiTcp,
    },
    verify: { text: 'A TCP listener is on port {port}; run `portwise diagnose {target}` again.', commands: [...listeners, rerun] },
  },

  'socket-unit-failed': {
    id: 'socket-unit-failed',
    explanation:
      'systemd holds port {port} for the service (socket activation) and starts the service on the first connection. The socket unit has failed, usually because the service behind it kept failing, so the port is gone.',
    proof: '`systemctl list-sockets` maps the port to a `.socket` unit, and that unit is `failed` (trigger-limit-hit or service-start-limit-hit); while it worked, `ss -p` showed `systemd` (pid 1) as the owner.',
    remediation: [
      step('Read why the service behind the socket fails.', cmd('linux', 'systemctl list-sockets --no-pager'), cmd('linux', 'systemctl status {unit}.socket {unit}.service --no-pager'), unitLog),
      step('Fix the service, then clear the failed state and start the socket again.', cmd('linux', 'sudo systemctl reset-failed {unit}.socket {unit}.service && sudo systemctl start {unit}.socket')),
    ],
    services: {
      openssh: [
        step(
          'On Ubuntu 22.10 and later `ssh.socket` owns port 22 and starts `ssh.service`.',
          cmd('debian', 'systemctl status ssh.socket ssh.service --no-pager'),
          cmd('debian', 'sudo systemctl reset-failed ssh.socket ssh.service && sudo systemctl start ssh.socket'),
        ),
      ],
    },
    verify: { text: 'The socket unit is active and the port listens; run `portwise diagnose {target}` again.', commands: [cmd('linux', 'systemctl is-active {unit}.socket'), rerun] },
  },

  'restart-reload-gap': {
    id: 'restart-reload-gap',
    explanation:
      'The service is fine most of the time, but it is stopped and started (deploys, reloads, package upgrades), and connections in those moments are refused.',
    proof: 'The failures line up with `Stopping`/`Started`/`Reloading` lines in the journal, restarts of the unit, or package upgrades.',
    remediation: [
      step(
        'Line the failure times up with restarts and upgrades.',
        cmd('linux', "journalctl -u {unit} --since -1d --no-pager | grep -E 'Stopping|Started|Reloading'"),
        cmd('linux', 'systemctl show {unit} -p NRestarts,ActiveEnterTimestamp,InactiveExitTimestamp --no-pager'),
        cmd('debian', "grep -E ' (install|upgrade) ' /var/log/dpkg.log"),
        cmd('rhel', 'sudo dnf history list'),
      ),
      step('Use graceful reloads instead of restarts, socket activation or rolling deploys, and let clients retry.'),
    ],
    services: {
      nginx: [step('Reload nginx instead of restarting it: a reload keeps the listening sockets.', cmd('linux', 'sudo nginx -t && sudo systemctl reload {unit}'))],
      apache: [step('Use a graceful restart: it keeps the listening sockets.', cmd('linux', 'sudo apachectl graceful'))],
    },
    verify: { text: 'The next deploy or reload passes without refusals; watch the restart count and run `portwise diagnose {target}` during it.', commands: [cmd('linux', 'systemctl show {unit} -p NRestarts,ActiveEnterTimestamp --no-pager'), rerun] },
  },

  'accept-queue-overflow': {
    id: 'accept-queue-overflow',
    explanation:
      'Under load the service does not accept connections as fast as they arrive, and its listen queue overflows. By default the kernel then drops new attempts (timeouts); with `tcp_abort_on_overflow` it resets them, which looks like a refusal.',
    proof: "The listener's Recv-Q reaches its Send-Q (the backlog) and `TcpExtListenOverflows` grows between two reads; it happens at peak load only.",
    remediation: [
      step(
        'Watch the queue and the overflow counters during load.',
        cmd('linux', "ss -Htln 'sport = :{port}'"),
        cmd('linux', 'nstat -az TcpExtListenOverflows TcpExtListenDrops'),
        cmd('linux', 'sysctl net.core.somaxconn net.ipv4.tcp_max_syn_backlog net.ipv4.tcp_abort_on_overflow'),
        cmd('freebsd', 'netstat -Lan'),
      ),
      step("Make the service accept faster (more workers, scale out), raise its backlog together with `net.core.somaxconn`, and keep `tcp_abort_on_overflow` at 0 unless resets are intended.", cmd('linux', 'sudo sysctl -w net.core.somaxconn=4096')),
    ],
    services: {
      nginx: [step('Raise the backlog on the `listen` directive (`listen {port} backlog=4096;`), together with `net.core.somaxconn`, and add worker processes or connections.', cmd('linux', 'sudo nginx -t && sudo systemctl reload {unit}'))],
      redis: [step('Raise `tcp-backlog` in `redis.conf` (it is capped by `net.core.somaxconn`) and restart.', cmd('linux', 'redis-cli -p {port} CONFIG GET tcp-backlog'))],
    },
    verify: { text: '`TcpExtListenOverflows` no longer grows at peak load, and `portwise diagnose {target}` connects then.', commands: [cmd('linux', 'nstat -az TcpExtListenOverflows TcpExtListenDrops'), rerun] },
  },

  'other-netns-listener': {
    id: 'other-netns-listener',
    explanation:
      'The service listens, but inside another network namespace: a container without a published port, a unit with `PrivateNetwork=yes`, WSL2, or a VM. Its port exists there, not on the address clients use.',
    proof: "The host's listener table has nothing on the port while the process runs; its network namespace differs from PID 1's, and inside it the port listens.",
    remediation: [
      step(
        'Find the namespace and look inside it.',
        cmd('linux', 'sudo lsns -t net -n -o NS,PID,COMMAND'),
        cmd('linux', 'sudo nsenter -t PID -n ss -Htlnp'),
        cmd('linux', 'systemctl show {unit} -p PrivateNetwork --no-pager'),
        cmd('windows', 'wsl -l -v'),
      ),
      step(
        'Publish or forward the port to the host: Docker `-p`, drop `PrivateNetwork=` from the unit, or for WSL2 a port proxy (or mirrored networking on Windows 11).',
        cmd('windows', 'netsh interface portproxy add v4tov4 listenport={port} listenaddress=0.0.0.0 connectport={port} connectaddress=WSL_ADDRESS'),
      ),
    ],
    services: { docker: [publishStep] },
    verify: { text: "The host's listener table shows the port; run `portwise diagnose {target}` again.", commands: [...listeners, rerun] },
  },

  'windows-reserved-port-range': {
    id: 'windows-reserved-port-range',
    explanation:
      'Windows has reserved a range of ports that includes {port} (Hyper-V, WSL2 and Docker Desktop reserve ranges through WinNAT), so the service may not bind it and nothing listens.',
    proof: 'The service log shows error 10013 ("forbidden by its access permissions") at bind, and `netsh interface ipv4 show excludedportrange protocol=tcp` lists a range containing the port.',
    remediation: [
      step('List the reserved ranges.', cmd('windows', 'netsh interface ipv4 show excludedportrange protocol=tcp'), cmd('windows', 'netsh interface ipv6 show excludedportrange protocol=tcp')),
      step(
        'As an administrator, stop WinNAT, reserve the port for yourself, and start WinNAT again; or choose a port outside the ranges.',
        cmd('windows', 'net stop winnat'),
        cmd('windows', 'netsh int ipv4 add excludedportrange protocol=tcp startport={port} numberofports=1'),
        cmd('windows', 'net start winnat'),
      ),
    ],
    verify: { text: 'The service starts and listens on port {port}; run `portwise diagnose {target}` again.', commands: [cmd('windows', 'Get-NetTCPConnection -LocalPort {port} -State Listen'), rerun] },
  },

  'iptables-reject': {
    id: 'iptables-reject',
    explanation: 'The service is listening, but an iptables rule on the server rejects connections to port {port} from other machines. The rule is named below, with the packets it counted while Portwise probed.',
    proof: "The rule's packet counter rose by the number of probes sent, and the server reaches the service itself.",
    remediation: [
      step(
        'Allow the port before the rejecting rule (narrowly: add `-s NETWORK` for the clients\' network), or remove the rule.',
        cmd('linux', 'sudo iptables -L INPUT -n -v -x --line-numbers'),
        cmd('linux', 'sudo iptables -I INPUT -p tcp --dport {port} -j ACCEPT'),
      ),
      step('Make the change persistent the way this server manages its rules.', cmd('debian', 'sudo netfilter-persistent save'), cmd('rhel', 'sudo service iptables save')),
      step('For IPv6 clients, check `ip6tables` too: it is a separate rule set.', cmd('linux', 'sudo ip6tables -S INPUT')),
    ],
    verify: { text: 'The rejecting rule no longer counts packets during a probe, and `portwise diagnose {target}` connects.', commands: [cmd('linux', 'sudo iptables -L INPUT -n -v -x --line-numbers'), rerun] },
  },

  'nftables-reject': {
    id: 'nftables-reject',
    explanation: 'The service is listening, but an nftables rule on the server rejects connections to port {port}. The rule is named below, with the packets it counted while Portwise probed.',
    proof: "The rule's counter rose by the number of probes sent, and the server reaches the service itself.",
    remediation: [
      step(
        'Add an accept rule before it in the same chain, or delete it by its handle.',
        cmd('linux', 'sudo nft -a list ruleset'),
        cmd('linux', 'sudo nft insert rule FAMILY TABLE CHAIN tcp dport {port} accept'),
        cmd('linux', 'sudo nft delete rule FAMILY TABLE CHAIN handle HANDLE'),
      ),
      step('Make it persistent: put the same rule in `/etc/nftables.conf` (or in the tool that owns the table, such as firewalld).'),
    ],
    verify: { text: 'The rejecting rule no longer counts packets during a probe, and `portwise diagnose {target}` connects.', commands: [cmd('linux', 'sudo nft -a list ruleset'), rerun] },
  },

  'ufw-reject-or-limit': {
    id: 'ufw-reject-or-limit',
    explanation: 'ufw, the server firewall, rejects connections to port {port}, or rate-limits them (a `limit` rule refuses a client after about six new connections in 30 seconds).',
    proof: "A ufw chain's rule counted the probes, or ufw lists a REJECT or LIMIT rule for the port.",
    remediation: [
      step('Allow the port in ufw (narrowly: from the clients\' network only), and delete or relax a `limit` rule by its number.', cmd('debian', 'sudo ufw status numbered'), cmd('debian', 'sudo ufw allow from NETWORK to any port {port} proto tcp'), cmd('debian', 'sudo ufw delete N')),
    ],
    verify: { text: 'ufw lists an ALLOW rule for the port, and `portwise diagnose {target}` connects.', commands: [cmd('debian', 'sudo ufw status verbose'), rerun] },
  },

  'firewalld-reject': {
    id: 'firewalld-reject',
    explanation:
      'firewalld rejects the connection with an ICMP "prohibited" message, which clients report as "No route to host" or "Permission denied": it looks like a routing problem, but it is the server firewall.',
    proof: "The answer was a fast EHOSTUNREACH/EACCES, firewalld is active, and the server itself sent the ICMP unreachables while Portwise probed (its /proc/net/snmp counter rose; firewalld's own rules carry no counters).",
    remediation: [
      step('Find the zone of the receiving interface and what it allows.', cmd('rhel', 'sudo firewall-cmd --get-active-zones'), cmd('rhel', 'sudo firewall-cmd --zone=ZONE --list-all')),
      step('Open the port in that zone, permanently, and reload (or `--add-service=NAME` for a known service).', cmd('rhel', 'sudo firewall-cmd --permanent --zone=ZONE --add-port={port}/tcp && sudo firewall-cmd --reload')),
    ],
    verify: { text: 'The zone lists the port, and `portwise diagnose {target}` connects.', commands: [cmd('rhel', 'sudo firewall-cmd --zone=ZONE --list-ports'), rerun] },
  },

  'ban-or-rate-limit': {
    id: 'ban-or-rate-limit',
    explanation:
      "This computer's public address is banned or rate-limited on the server (fail2ban, sshguard, CrowdSec, a `recent` or `connlimit` rule), usually after failed logins or a burst of connections. Other clients still connect.",
    proof: 'The client address is in a ban list (`fail2ban-client status JAIL`, `cscli decisions list`) or a per-source reject rule counted the probes.',
    remediation: [
      step('Find the jail or list that holds the address.', cmd('linux', 'sudo fail2ban-client status'), cmd('linux', 'sudo fail2ban-client status JAIL'), cmd('linux', 'sudo cscli decisions list')),
      step(
        'Unban it, add trusted networks to `ignoreip` (fail2ban, in `/etc/fail2ban/jail.local`), and fix the client that caused the ban (a wrong password in a script).',
        cmd('linux', 'sudo fail2ban-client set JAIL unbanip IP'),
        cmd('linux', 'sudo cscli decisions delete --ip IP'),
      ),
    ],
    verify: { text: 'The address is no longer banned and `portwise diagnose {target}` connects from this computer.', commands: [cmd('linux', 'sudo fail2ban-client status JAIL'), rerun] },
  },

  'port-knocking': {
    id: 'port-knocking',
    explanation: 'The port opens only after a secret sequence of connection attempts (port knocking, knockd or fwknop), and only for a while; until then the firewall rejects it.',
    proof: 'knockd or fwknopd is active on the server, its configuration gates the port, and the connection works right after a knock.',
    remediation: [
      step('Check whether the server uses knocking and which sequence opens the port.', cmd('linux', 'systemctl is-active knockd fwknopd'), cmd('linux', 'sudo cat /etc/knockd.conf')),
      step('Send the knock before connecting, or allow the administrators\' network permanently in the firewall.', cmd('any', 'knock {host} PORT1 PORT2 PORT3')),
    ],
    verify: { text: 'After the knock (or with the permanent rule), `portwise diagnose {target}` connects.', commands: [rerun] },
  },

  'bsd-pf-ipfw-return': {
    id: 'bsd-pf-ipfw-return',
    explanation: 'A pf or ipfw rule on the macOS or FreeBSD server answers connections to port {port} with a reset (`block return`, ipfw `reset`), which the client sees as a refusal.',
    proof: 'pf is enabled and `pfctl -sr -v` shows a `block return` rule for the port whose counters rose during a probe, or `ipfw -a list` shows a `reset` rule counting it.',
    remediation: [
      step('List the rules with their counters.', cmd('macos', 'sudo pfctl -sr -v'), cmd('freebsd', 'sudo pfctl -sr -v'), cmd('freebsd', 'sudo ipfw -a list')),
      step(
        'Add a `pass in quick proto tcp from any to any port {port}` rule before the blocking one in `/etc/pf.conf` and reload it; for ipfw, add an allow rule with a lower number than the reset rule (and keep it in the firewall script).',
        cmd('macos', 'sudo pfctl -f /etc/pf.conf'),
        cmd('freebsd', 'sudo pfctl -f /etc/pf.conf'),
        cmd('freebsd', 'sudo ipfw add 100 allow tcp from any to me {port}'),
      ),
      step('On macOS, the Application Firewall can block a program: unblock it.', cmd('macos', '/usr/libexec/ApplicationFirewall/socketfilterfw --listapps'), cmd('macos', 'sudo /usr/libexec/ApplicationFirewall/socketfilterfw --unblockapp PATH')),
    ],
    verify: { text: 'The blocking rule no longer counts packets during a probe, and `portwise diagnose {target}` connects.', commands: [cmd('macos', 'sudo pfctl -sr -v'), cmd('freebsd', 'sudo ipfw -a list'), rerun] },
  },

  'tcp-wrappers-deny': {
    id: 'tcp-wrappers-deny',
    explanation:
      'TCP wrappers (`/etc/hosts.allow` and `/etc/hosts.deny`) accept the connection and then close it straight away for clients that are not allowed. SSH reports `Connection closed by remote host` or `kex_exchange_identification: read: Connection reset by peer` rather than a refusal.',
    proof: '`/etc/hosts.deny` matches the client with no matching `/etc/hosts.allow` line, and the server program is linked against libwrap.',
    remediation: [
      step('Read the rules and check that the program uses them.', cmd('linux', 'cat /etc/hosts.allow /etc/hosts.deny'), cmd('linux', 'ldd $(command -v sshd) | grep libwrap')),
      step('Allow the clients in `/etc/hosts.allow` (for example `sshd: 10.0.0.0/255.255.255.0`), or move the policy into the firewall and empty `hosts.deny`.'),
    ],
    verify: { text: 'The connection stays open and the service answers; run `portwise diagnose {target}` again.', commands: [rerun] },
  },

  'docker-publish-problem': {
    id: 'docker-publish-problem',
    explanation:
      'The service runs in a Docker container, but port {port} is not published where the client connects: it is not published at all (only `EXPOSE`d), published on 127.0.0.1 only, published for IPv4 only, or the container has stopped and its ports went with it.',
    proof: '`docker ps -a` shows the container without a `->` for the port, with `127.0.0.1:` before it, or `Exited`/`Restarting`; the host listener table has no `docker-proxy` or DNAT for the port.',
    remediation: [
      step(
        'See what the container publishes and whether it runs.',
        dockerPs,
        cmd('any', 'docker port NAME'),
        cmd('any', "docker inspect -f '{{json .HostConfig.PortBindings}} {{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}' NAME"),
      ),
      step(
        'Publish on the right address (`-p {port}:CONTAINERPORT`, or a specific IP, Compose `ports:`) and recreate the container; if it exited, read why first.',
        cmd('any', 'docker logs --tail 100 NAME'),
        cmd('any', 'docker compose up -d'),
      ),
    ],
    services: {
      ...Object.fromEntries(devServers.map((id) => [id, [publishStep, ...(listenSteps[id] ?? [])]])),
      docker: listenSteps.docker,
    },
    verify: { text: '`docker ps` shows `0.0.0.0:{port}->` (or the address clients use) for the container, and `portwise diagnose {target}` connects.', commands: [dockerPs, rerun] },
  },

  'container-app-binds-loopback': {
    id: 'container-app-binds-loopback',
    explanation:
      'The port is published, but the program inside the container listens on its own loopback address (127.0.0.1 inside the container). Docker forwards connections to the container\'s network address, where nothing listens, so they are reset or refused.',
    proof: "Inside the container's network namespace the listener is `127.0.0.1:PORT` (`/proc/PID/net/tcp` shows `0100007F:...`), and `docker exec NAME curl localhost:PORT` works while access from outside fails.",
    remediation: [
      step(
        "Look at the listener inside the container's namespace.",
        cmd('linux', "sudo nsenter -t $(docker inspect -f '{{.State.Pid}}' NAME) -n ss -Htlnp"),
        cmd('linux', "cat /proc/$(docker inspect -f '{{.State.Pid}}' NAME)/net/tcp"),
      ),
      step("Make the program listen on `0.0.0.0` (or `::`) inside the container: Flask `--host=0.0.0.0`, Vite `--host`, Rails `-b 0.0.0.0`, Jupyter `--ip=0.0.0.0`, Node `listen(port, '0.0.0.0')`. Then recreate the container."),
    ],
    services: {
      ...pick(listenSteps, devServers),
      docker: [step("Find the program that runs inside the container and change its bind address (see the generic step); the container's own logs usually print the address it listens on.", cmd('any', 'docker logs --tail 50 NAME'))],
    },
    verify: { text: "Inside the container the listener is `0.0.0.0` or `::`, and `portwise diagnose {target}` connects.", commands: [cmd('linux', "sudo nsenter -t $(docker inspect -f '{{.State.Pid}}' NAME) -n ss -Htln"), rerun] },
  },

  'dnat-dead-backend': {
    id: 'dnat-dead-backend',
    explanation: 'The server forwards port {port} (a DNAT rule, a port proxy, socat) to another address, and nothing answers there: the backend is down, its port is closed, or the forward points at the wrong place.',
    proof: 'A DNAT rule for the port counted the probes; the refusal or "no route" comes from the backend side.',
    remediation: [
      step(
        'Find where the port is forwarded to.',
        cmd('linux', 'sudo iptables -t nat -S; sudo nft list ruleset'),
        cmd('linux', 'sudo conntrack -L -p tcp --dport {port}'),
        cmd('linux', 'sudo ipvsadm -Ln'),
        cmd('windows', 'netsh interface portproxy show all'),
      ),
      step('Probe the backend from the forwarding machine, then repair the backend or update (or remove) the forward.', cmd('linux', "timeout 3 bash -c 'exec 3<>/dev/tcp/BACKEND/BACKENDPORT' && echo OPEN")),
    ],
    verify: recheck(),
  },

  'k8s-service-no-endpoints': {
    id: 'k8s-service-no-endpoints',
    explanation: 'The address belongs to a Kubernetes Service that has no ready pods behind it, so kube-proxy rejects every connection.',
    proof: 'The Service\'s EndpointSlices list no ready addresses; on a node, `iptables-save` has a `has no endpoints` REJECT rule for it.',
    remediation: [
      step(
        'Check the endpoints, the selector and the pods.',
        cmd('any', 'kubectl get endpointslices -l kubernetes.io/service-name=SVC -n NS -o wide'),
        cmd('any', 'kubectl describe svc SVC -n NS'),
        cmd('any', 'kubectl get pods -n NS -l KEY=VALUE -o wide'),
      ),
      step("Fix whatever keeps the pods out: labels that do not match the selector, failing readiness probes, a wrong `targetPort`, or too few replicas."),
    ],
    verify: { text: 'The EndpointSlice lists ready addresses, and `portwise diagnose {target}` connects.', commands: [cmd('any', 'kubectl get endpointslices -l kubernetes.io/service-name=SVC -n NS -o wide'), rerun] },
  },

  'lb-or-proxy-backend-down': {
    id: 'lb-or-proxy-backend-down',
    explanation:
      'A load balancer or reverse proxy sits in front of the service and has no live backend: the backends are down, fail their health checks, or the proxy points at the wrong address. The proxy answers with an error (HTTP 502/503) or closes the connection.',
    proof: 'The proxy log says so (nginx `connect() failed (111: Connection refused) while connecting to upstream` or `no live upstreams`, HAProxy `has no server available`, Envoy `upstream connect error`).',
    remediation: [
      step(
        "Read the proxy's log or status to find which backend fails.",
        cmd('linux', 'sudo tail -n 50 /var/log/nginx/error.log'),
        cmd('linux', "echo 'show stat' | sudo socat stdio /run/haproxy/admin.sock"),
      ),
      step('Then diagnose the backend itself as the new target, and correct the health check or the upstream address.', cmd('any', 'portwise diagnose BACKEND:BACKENDPORT')),
    ],
    services: {
      nginx: [step('Find the `upstream` or `proxy_pass` address nginx uses, and check that something listens there.', cmd('linux', "sudo nginx -T 2>/dev/null | grep -nE 'proxy_pass|upstream|server '"))],
    },
    verify: { text: 'The proxy reports live backends, and `portwise diagnose {target}` connects.', commands: [rerun] },
  },

  'advertised-address-mismatch': {
    id: 'advertised-address-mismatch',
    explanation:
      'The first connection works, but the server then tells the client to connect to another address (often `localhost`, a container name or a private IP) that the client cannot reach, and that second connection is refused.',
    proof: 'The client log names a second address that differs from the configured one (Kafka `Connection to node 1 (localhost/127.0.0.1:9092) could not be established`); the server advertises it.',
    remediation: [
      step('Find the address in the client error, and make the server advertise an address clients reach (separate internal and external listeners where needed).'),
    ],
    services: {
      kafka: [
        step(
          'Set `advertised.listeners` in `server.properties` to the name or address clients use (and keep `listeners` for the bind address), then restart the broker.',
          cmd('linux', "grep -nE '^(advertised\\.)?listeners=' config/server.properties"),
          restartUnit,
        ),
      ],
      redis: [step('Redis Cluster and Sentinel announce addresses: set `cluster-announce-ip` (Sentinel: `announce-ip`) to an address clients reach.', cmd('linux', 'redis-cli -p {port} CONFIG GET cluster-announce-ip'))],
      mongodb: [step('Replica-set members are known by the host names in `rs.conf()`: clients must resolve and reach every one; change them with `rs.reconfig()`.', cmd('any', "mongosh --quiet --eval 'rs.conf().members.map(m => m.host)'"))],
      elasticsearch: [step('Set `network.publish_host` to an address clients and the other nodes reach, then restart.', cmd('linux', "sudo grep -nE '^network\\.' /etc/elasticsearch/elasticsearch.yml"), restartUnit)],
    },
    verify: { text: 'The client connects to the advertised address too: run `portwise diagnose` against it and retry the application.', commands: [cmd('any', 'portwise diagnose ADVERTISED_HOST:PORT')] },
  },

  'not-reproduced': {
    id: 'not-reproduced',
    explanation:
      'From this computer every address of {host} accepts connections on port {port} right now. The refusal either stopped, happens only from another machine or network, or the failing application connects somewhere else than it seems.',
    proof: 'Every probe to every resolved address connected.',
    remediation: [
      step("Compare the application's configured host and port with {target}, and check whether it uses a proxy."),
      step('Run Portwise again from the machine where the error happens, or while it happens.', rerun),
    ],
    verify: { text: 'Retry the failing application now.', commands: [rerun] },
  },

  'timeout-filtered': {
    id: 'timeout-filtered',
    explanation:
      'This is not a refusal: the connection attempts got no answer at all and timed out. Something on the way silently drops them: a firewall DROP rule, a cloud security group, Windows Firewall, or the host is down.',
    proof: 'Every probe to every address timed out without any answer.',
    remediation: [
      step('Check the cloud security group or network ACL for port {port}, and any firewall in front of the server.'),
      step(
        'On the server, look for DROP rules and whether the host is up.',
        cmd('linux', "sudo iptables-save -c | grep -E 'DROP|REJECT'; sudo nft list ruleset"),
        cmd('windows', 'Get-NetFirewallProfile | Select-Object Name,Enabled,DefaultInboundAction'),
      ),
      step(
        'Allow the port in the server firewall.',
        cmd('debian', 'sudo ufw allow {port}/tcp'),
        cmd('rhel', 'sudo firewall-cmd --permanent --add-port={port}/tcp && sudo firewall-cmd --reload'),
        cmd('windows', "New-NetFirewallRule -DisplayName 'Allow TCP {port}' -Direction Inbound -Protocol TCP -LocalPort {port} -Action Allow"),
      ),
    ],
    verify: recheck(),
  },

  'firewall-drop': {
    id: 'firewall-drop',
    explanation: 'A firewall rule on the server silently drops connections to port {port}, so clients wait and time out instead of being refused.',
    proof: "A DROP rule's (or a DROP policy's) counter rose by the number of probes sent.",
    remediation: [
      step('Find the dropping rule.', cmd('linux', 'sudo iptables-save -c | grep -n DROP; sudo nft -a list ruleset'), cmd('debian', 'sudo ufw status verbose'), cmd('rhel', 'sudo firewall-cmd --list-all')),
      step(
        'Allow the port before it (or remove it), the way this server manages its firewall, and make it persistent.',
        cmd('debian', 'sudo ufw allow {port}/tcp'),
        cmd('rhel', 'sudo firewall-cmd --permanent --add-port={port}/tcp && sudo firewall-cmd --reload'),
        cmd('linux', 'sudo iptables -I INPUT -p tcp --dport {port} -j ACCEPT'),
      ),
    ],
    verify: recheck(cmd('linux', 'sudo iptables-save -c | grep -n DROP')),
  },

  'host-firewall-suspected': {
    id: 'host-firewall-suspected',
    explanation: 'The service listens and answers on the server itself, so the refusal comes from something between: most likely the server firewall, whose rules this account cannot read.',
    proof: 'Listener fine, self-probe fine, firewall rules unreadable without root.',
    remediation: [
      step(
        'Read the rules as root, or let Portwise use `sudo -n` for its read-only commands (`--sudo`).',
        cmd('linux', 'sudo iptables-save -c; sudo nft list ruleset'),
        cmd('debian', 'sudo ufw status verbose'),
        cmd('rhel', 'sudo firewall-cmd --list-all'),
      ),
      step('Confirm the service answers on the server itself.', selfProbe),
    ],
    verify: { text: 'Run `portwise diagnose {target}` again with root access to the rules, so it can name the rule.', commands: [cmd('any', 'portwise diagnose {target} --ssh USER@SERVER --sudo')] },
  },

  'dns-failure': {
    id: 'dns-failure',
    explanation:
      'The name "{host}" does not resolve to any address, so no connection was attempted. It is misspelt, missing from DNS, or only resolvable inside another network or VPN.',
    proof: 'Name resolution failed (the error code is in the evidence).',
    remediation: [
      step(
        'Check the spelling and ask whether the name only exists inside a VPN or a corporate network.',
        cmd('linux', 'getent ahosts {host}; resolvectl query {host}'),
        cmd('macos', 'dscacheutil -q host -a name {host}'),
        cmd('windows', 'Resolve-DnsName {host}'),
      ),
    ],
    verify: {
      text: 'Run `portwise diagnose {target}` again: the name should now resolve to the address the service runs on.',
      commands: [rerun, cmd('linux', 'getent ahosts {host}')],
    },
  },

  inconclusive: {
    id: 'inconclusive',
    explanation:
      'The evidence collected from this computer narrows the cause down but cannot prove it. The missing evidence below says what to collect next.',
    proof: 'See the missing evidence and the candidate causes.',
    remediation: [step('Collect the missing evidence this report lists: give Portwise SSH access to the server, or run the commands it shows there and paste their output (--answers).', cmd('any', 'portwise diagnose {target} --ssh USER@SERVER --service {unit}'))],
    verify: { text: 'Run `portwise diagnose {target}` again with the missing evidence: the verdict should name one cause.', commands: [rerun] },
  },
};

/** Every cause now has a definition; the tree names its leaves with this type. */
export type VerdictCauseId = CauseId;

export interface FixContext {
  host: string;
  port: number | string;
  /** The systemd unit; SERVICE when unknown. */
  unit?: string;
  /** When Debian and RHEL name the unit differently and nobody said which: both names. */
  familyUnits?: { debian: string; rhel: string } | null;
}

/** Fills `{host}`, `{port}`, `{target}` (host:port, an IPv6 host in brackets) and `{unit}`. */
export function fillPlaceholders(text: string, ctx: FixContext): string {
  const target = ctx.host.includes(':') ? `[${ctx.host}]:${ctx.port}` : `${ctx.host}:${ctx.port}`;
  return text
    .replaceAll('{target}', target)
    .replaceAll('{host}', ctx.host)
    .replaceAll('{port}', String(ctx.port))
    .replaceAll('{unit}', ctx.unit ?? 'SERVICE');
}

/**
 * In a command the unit is one shell word, quoted like every other value the engine puts into a
 * command (a systemd-escaped name holds backslashes); prose shows it as it is.
 */
function fillCommandText(command: string, ctx: FixContext): string {
  return fillPlaceholders(command, { ...ctx, unit: shellQuote(ctx.unit ?? 'SERVICE') });
}

/**
 * Fills a step's commands. A Linux command naming `{unit}` becomes one per family when the unit's
 * name differs between Debian and RHEL (`mysql`/`mysqld`) and the user did not name it.
 */
export function fillCommands(commands: readonly FixCommand[], ctx: FixContext): FixCommand[] {
  const family = ctx.familyUnits ?? null;
  return commands.flatMap((c): FixCommand[] => {
    if (family === null || !c.command.includes('{unit}')) return [{ platform: c.platform, command: fillCommandText(c.command, ctx) }];
    if (c.platform === 'debian' || c.platform === 'rhel') return [{ platform: c.platform, command: fillCommandText(c.command, { ...ctx, unit: family[c.platform] }) }];
    if (c.platform !== 'linux') return [{ platform: c.platform, command: fillCommandText(c.command, ctx) }];
    return (['debian', 'rhel'] as const).map((platform) => ({ platform, command: fillCommandText(c.command, { ...ctx, unit: family[platform] }) }));
  });
}

/** The placeholders `fillPlaceholders` knows; none may survive in a diagnosis. */
export const PLACEHOLDERS = ['{target}', '{host}', '{port}', '{unit}'] as const;

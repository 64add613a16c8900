import type { PasteRequest } from './types';

/**
 * The read-only commands a person runs on the server when Portwise cannot log in, per OS family
 * (catalog §2.1, §2.2). Their output goes through the same parsers as the SSH evidence.
 */

export const LISTENERS_PASTE: PasteRequest = {
  kind: 'listeners',
  commands: {
    linux: "sudo ss -tlnpe 'sport = :{port}'",
    busybox: 'netstat -tlnp 2>/dev/null || cat /proc/net/tcp /proc/net/tcp6',
  },
  hint: 'Paste what the server lists as listening on the port (run with sudo so the owning program shows).',
};

export const ADDRESSES_PASTE: PasteRequest = {
  kind: 'addresses',
  commands: { linux: 'ip -o addr show', busybox: 'ip -o addr show' },
  hint: "Paste the server's own interface addresses.",
};

export const SERVICE_PASTE: PasteRequest = {
  kind: 'service',
  commands: {
    linux:
      'systemctl show {service} -p Id,LoadState,ActiveState,SubState,Result,UnitFileState,NRestarts,ExecMainStartTimestamp,InactiveExitTimestamp --no-pager; sudo journalctl -u {service} -n 100 --no-pager',
  },
  hint: "Paste the service's state and its last 100 log lines.",
};

export const FIREWALL_PASTE: PasteRequest = {
  kind: 'firewall',
  commands: { linux: 'sudo nft -j list ruleset 2>/dev/null || sudo iptables-save -c', busybox: 'iptables-save -c' },
  hint: "Paste the server's firewall rules with their counters, taken right after a failed attempt.",
};

export const CONTAINERS_PASTE: PasteRequest = {
  kind: 'containers',
  commands: { linux: "sudo docker ps -a --no-trunc --format '{{json .}}'" },
  hint: 'Paste the list of containers, running and stopped.',
};

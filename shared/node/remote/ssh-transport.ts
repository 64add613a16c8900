import type { Client } from '../ssh/ssh2';
import { exec } from '../ssh/connect';
import type { ExecTransport } from './transport';

/** Commands over exec channels of one SSH connection (no PTY: ssh2's exec asks for none). */
export function sshTransport(client: Client, where: string): ExecTransport {
  return {
    where,
    exec: (command, options) => exec(client, command, options),
  };
}

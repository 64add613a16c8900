import { z } from 'zod';

/**
 * The app's preferences, shared by the app and the CLI (one file in Portwise's home).
 *
 * `knownHostsWrites`: where a host key the person trusts is written. By default only Portwise's own
 * known_hosts file, so Portwise never changes what OpenSSH trusts. `portwise-and-openssh` also
 * appends it to ~/.ssh/known_hosts, for people who want `ssh` to trust the key too. That file is only
 * ever appended to: a key there is never replaced or removed by Portwise.
 */
export const KnownHostsWrites = z.enum(['portwise', 'portwise-and-openssh']);
export type KnownHostsWrites = z.infer<typeof KnownHostsWrites>;

export const Settings = z
  .object({
    knownHostsWrites: KnownHostsWrites.default('portwise'),
  })
  .strict();
export type Settings = z.infer<typeof Settings>;

export const SETTINGS_FILE_SCHEMA = 'portwise.settings';
export const SETTINGS_FILE_VERSION = 1;

export const defaultSettings = (): Settings => Settings.parse({});

import type { Platform } from '../schema/report';

/** How a fix command's platform is named, in the app, the terminal and `portwise explain` alike. */
export const platformLabel: Readonly<Record<Platform, string>> = {
  linux: 'Linux',
  debian: 'Debian/Ubuntu',
  rhel: 'RHEL/Fedora',
  macos: 'macOS',
  freebsd: 'FreeBSD',
  windows: 'Windows',
  any: 'Any',
};

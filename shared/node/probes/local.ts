import os from 'node:os';
import { isLoopbackAddress } from '../../common/net/address';

/** address -> interface name, for every address this computer holds right now. */
export function localAddressMap(): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, infos] of Object.entries(os.networkInterfaces())) {
    for (const info of infos ?? []) map.set(info.address.split('%')[0] ?? info.address, name);
  }
  return map;
}

export interface Locality {
  loopback: boolean;
  localInterface: string | null;
}

/** Is this address the workstation's own? Loopback always is; others if an interface holds them. */
export function addressLocality(address: string, local: ReadonlyMap<string, string>): Locality {
  const loopback = isLoopbackAddress(address);
  return { loopback, localInterface: loopback ? null : (local.get(address) ?? null) };
}

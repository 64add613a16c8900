import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const rootUrl = new URL('../../../', import.meta.url);
const config = parse(readFileSync(new URL('electron-builder.yml', rootUrl), 'utf8')) as Record<string, unknown> & {
  directories: { output: string; buildResources: string };
  files: string[];
  linux: { target: string[]; icon: string; category: string; maintainer: string };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  electronFuses: Record<string, unknown>;
};

describe('electron-builder.yml', () => {
  it('names the app and keeps native rebuilds off', () => {
    expect(config.appId).toBe('dev.portwise.app');
    expect(config.productName).toBe('Portwise');
    expect(config.npmRebuild).toBe(false);
    expect(config.asar).toBe(true);
    expect(config.directories).toEqual({ output: 'dist', buildResources: 'build' });
  });

  it('packs only the build output and the manifest', () => {
    const included = config.files.filter((pattern) => !pattern.startsWith('!'));
    expect(included.sort()).toEqual(['out/**', 'package.json']);
    for (const pattern of config.files.filter((p) => p.startsWith('!'))) expect(pattern.startsWith('!out/')).toBe(true);
  });

  it('builds AppImage + deb, dmg and nsis', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toMatch(/^Network;Development/);
    expect(config.linux.maintainer).toMatch(/<.+@.+>/);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('passes electron-builder\'s own schema validation', async () => {
    // Internal module of app-builder-lib: the same check `electron-builder` runs before packaging.
    const { validateConfiguration } = (await import('app-builder-lib/out/util/config/config.js')) as {
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = (await import('builder-util')) as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
  }, 20_000); // loading app-builder-lib takes a second or two

  it('every icon path exists under build/ and is a 512x512 PNG', () => {
    const icons = new Set([config.linux.icon, config.mac.icon, config.win.icon]);
    for (const icon of icons) {
      expect(icon.startsWith(`${config.directories.buildResources}/`)).toBe(true);
      const png = readFileSync(new URL(icon, rootUrl));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      // The first chunk must be IHDR: length 13, then width and height as big-endian uint32.
      expect(png.readUInt32BE(8)).toBe(13);
      expect(png.toString('ascii', 12, 16)).toBe('IHDR');
      expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual({ width: 512, height: 512 });
    }
  });

  it('flips the Electron fuses: no run-as-node, NODE_OPTIONS or inspector; app code only from an integrity-checked asar', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('every fuse key is one electron-builder knows, so a typo cannot silently leave a fuse at its default', () => {
    // electron-builder's own JSON schema of `electronFuses` (FuseOptionsV1), as shipped in node_modules.
    const scheme = JSON.parse(readFileSync(new URL('node_modules/app-builder-lib/scheme.json', rootUrl), 'utf8')) as {
      definitions: { FuseOptionsV1: { properties: Record<string, { type?: string }> } };
    };
    const known = scheme.definitions.FuseOptionsV1.properties;
    for (const [key, value] of Object.entries(config.electronFuses)) {
      expect(Object.keys(known), key).toContain(key);
      expect(known[key]?.type, key).toBe('boolean');
      expect(typeof value, key).toBe('boolean');
    }
  });

  it('electron-builder turns the config into exactly these @electron/fuses wires', async () => {
    // The packager's own translation (what it passes to flipFuses), checked against the fuse enum of
    // the @electron/fuses it bundles: a key it ignored would be missing here.
    const { PlatformPackager } = (await import('app-builder-lib')) as unknown as {
      PlatformPackager: { prototype: { generateFuseConfig(fuses: unknown): Promise<Record<string, unknown>> } };
    };
    const { FuseV1Options, FuseVersion } = (await import('@electron/fuses')) as unknown as {
      FuseV1Options: Record<string, number>;
      FuseVersion: Record<string, string>;
    };
    const wires = await PlatformPackager.prototype.generateFuseConfig.call({}, config.electronFuses);
    const fuse = (name: string) => {
      const index = FuseV1Options[name];
      if (index === undefined) throw new Error(`@electron/fuses has no fuse ${name}`);
      return wires[String(index)];
    };
    expect(wires.version).toBe(FuseVersion.V1);
    expect(fuse('RunAsNode')).toBe(false);
    expect(fuse('EnableNodeOptionsEnvironmentVariable')).toBe(false);
    expect(fuse('EnableNodeCliInspectArguments')).toBe(false);
    expect(fuse('EnableEmbeddedAsarIntegrityValidation')).toBe(true);
    expect(fuse('OnlyLoadAppFromAsar')).toBe(true);
    expect(fuse('EnableCookieEncryption')).toBe(true);
    expect(fuse('GrantFileProtocolExtraPrivileges')).toBe(false);
  }, 20_000);
});

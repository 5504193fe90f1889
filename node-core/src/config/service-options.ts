/**
 * From the profile's config.json (config-file.ts), with the command line's flags laid over it, to
 * the service's options: the one mapping, used by the CLI and the desktop app.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseByteRate } from '../bandwidth/units.ts'
import { DEFAULT_LISTEN } from '../net/node.ts'
import { loadConfigFile } from './config-file.ts'
import type { ConfigFile } from './config-file.ts'
import type { SwarmdropServiceOptions } from '../service/service.ts'

function rate (value: string | number | undefined): number | undefined {
  return typeof value === 'number' ? value : value != null ? parseByteRate(value) : undefined
}

/** Maps config.json (with any flags already laid over it) to service options; `restore` as the daemon and the desktop app run. */
export function serviceOptionsFrom (profileDir: string, config: ConfigFile, psk: Uint8Array | undefined, restore = true): SwarmdropServiceOptions {
  return {
    profileDir,
    listen: config.listen ?? [...DEFAULT_LISTEN],
    maxUploadBytesPerSecond: rate(config.maxUpload),
    maxDownloadBytesPerSecond: rate(config.maxDownload),
    allowPrivate: config.allowPrivate === true,
    bootstrap: config.bootstrap ?? [],
    network: config.network,
    dhtServer: config.dhtServer === true,
    dht: config.dht !== false,
    mdns: config.mdns !== false,
    ...(config.relayService !== undefined ? { relayService: config.relayService } : {}),
    ...(config.seedRatio !== undefined ? { seedRatioLimit: config.seedRatio > 0 ? config.seedRatio : null } : {}),
    ...(config.seedMinutes !== undefined ? { seedMinutesLimit: config.seedMinutes > 0 ? config.seedMinutes : null } : {}),
    psk,
    restore
  }
}

/** Reads `<profile>/config.json` (and its psk file) anew: each restart of the desktop app's node picks up edits. */
export async function loadServiceOptions (profileDir: string): Promise<SwarmdropServiceOptions> {
  const config = await loadConfigFile(profileDir)
  const psk = config.psk != null ? await readFile(resolve(profileDir, config.psk)) : undefined
  return serviceOptionsFrom(profileDir, config, psk)
}

/**
 * The desktop app's node settings: the profile's config.json (the same file and rules as the
 * CLI's flags, node-core/src/config/config-file.ts), restoring shares and downloads at start.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseByteRate } from '../../node-core/src/bandwidth/units.ts'
import { loadConfigFile } from '../../node-core/src/config/config-file.ts'
import type { ConfigFile } from '../../node-core/src/config/config-file.ts'
import type { SwarmdropServiceOptions } from '../../node-core/src/service/service.ts'

function rate (value: string | number | undefined): number | undefined {
  return typeof value === 'number' ? value : value != null ? parseByteRate(value) : undefined
}

/** Maps config.json to service options (as the daemon would run with no flags). */
export function serviceOptionsFrom (profileDir: string, config: ConfigFile, psk: Uint8Array | undefined): SwarmdropServiceOptions {
  return {
    profileDir,
    listen: config.listen ?? ['/ip4/0.0.0.0/tcp/0'],
    maxUploadBytesPerSecond: rate(config.maxUpload),
    maxDownloadBytesPerSecond: rate(config.maxDownload),
    allowPrivate: config.allowPrivate === true,
    bootstrap: config.bootstrap ?? [],
    network: config.network,
    dhtServer: config.dhtServer === true,
    dht: config.dht !== false,
    mdns: config.mdns !== false,
    psk,
    restore: true
  }
}

/** Reads `<profile>/config.json` (and its psk file) anew: each restart picks up edits. */
export async function loadServiceOptions (profileDir: string): Promise<SwarmdropServiceOptions> {
  const config = await loadConfigFile(profileDir)
  const psk = config.psk != null ? await readFile(resolve(profileDir, config.psk)) : undefined
  return serviceOptionsFrom(profileDir, config, psk)
}

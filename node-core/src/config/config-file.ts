import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { InvalidArgumentError } from '../errors.ts'

/**
 * `<profile>/config.json`: the same settings as the command-line flags, for a daemon or a
 * desktop install that should not need them every time. Flags given on the command line win.
 */
export const configFileSchema = z.strictObject({
  listen: z.array(z.string().min(1)).optional(),
  bootstrap: z.array(z.string().min(1)).optional(),
  network: z.string().min(1).max(63).optional(),
  /** Path of a pre-shared key file, relative to the profile folder or absolute. */
  psk: z.string().min(1).optional(),
  dht: z.boolean().optional(),
  dhtServer: z.boolean().optional(),
  mdns: z.boolean().optional(),
  allowPrivate: z.boolean().optional(),
  /** Like the flags: `4MiB`, or a number of bytes per second. */
  maxUpload: z.union([z.string(), z.number().int().min(0)]).optional(),
  maxDownload: z.union([z.string(), z.number().int().min(0)]).optional(),
  /** Relay for other nodes while reachable (default true; also a Settings switch). */
  relayService: z.boolean().optional(),
  /** Stop seeding a finished download at this share ratio (0 = no limit; also in Settings). */
  seedRatio: z.number().min(0).max(1_000_000).optional(),
  /** Stop seeding a finished download after this many minutes seeded (0 = no limit; also in Settings). */
  seedMinutes: z.number().int().min(0).max(100_000_000).optional(),
  /** (daemon) Serve the web UI on loopback, on this port (0 = any free port). */
  web: z.boolean().optional(),
  webPort: z.number().int().min(0).max(65535).optional()
})

export type ConfigFile = z.infer<typeof configFileSchema>

export const CONFIG_FILE = 'config.json'

/** Reads and validates the profile's config file; an absent file is an empty config. */
export async function loadConfigFile (profileDir: string): Promise<ConfigFile> {
  const path = join(profileDir, CONFIG_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new InvalidArgumentError(`${path} is not valid JSON: ${(err as Error).message}`)
  }
  const parsed = configFileSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new InvalidArgumentError(`${path}: ${issue?.path.join('.') || 'settings'}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}

/**
 * Saves the network name for the next start in the profile's config file (null: the public
 * network), keeping its other keys; written to a temporary file and renamed into place.
 */
export async function saveConfigNetwork (profileDir: string, network: string | null): Promise<void> {
  const { network: _old, ...rest } = await loadConfigFile(profileDir)
  const next: ConfigFile = network == null ? rest : { ...rest, network }
  const path = join(profileDir, CONFIG_FILE)
  await writeFile(path + '.tmp', JSON.stringify(next, null, 2) + '\n', { mode: 0o600 })
  await rename(path + '.tmp', path)
}

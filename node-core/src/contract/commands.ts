/**
 * The service API's commands: one argument object each, validated at the boundary with these
 * schemas (`parseCommand`). What they resolve with is `CommandResults` (types.ts).
 */
import { z } from 'zod'
import { InvalidArgumentError } from './errors.ts'

const shareId = z.string().min(1).max(256)
const byteRate = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const commandSchemas = {
  /** Share a local file or folder; resolves once it is hashed and served. */
  share: z.strictObject({ path: z.string().min(1).max(4096), discoverable: z.boolean().optional() }),
  /** Make a share findable by search and browse (its name and file names become keywords on the DHT), or hidden again. */
  setDiscoverable: z.strictObject({ shareId, on: z.boolean() }),
  /** Search the network's discoverable shares: resolves at once with a `searchId`; `search:result` events follow, then `search:done`. */
  search: z.strictObject({ query: z.string().min(1).max(256) }),
  /** All discoverable shares of one peer (by its peer ID). */
  browse: z.strictObject({ peerId: z.string().min(1).max(128) }),
  /**
   * Send to…: offer one of our shares to a peer; it downloads only if its user accepts. `address`
   * (a multiaddr ending in /p2p/<peerId>) is dialed first, for a peer not found otherwise.
   */
  sendTo: z.strictObject({ shareId, peerId: z.string().min(1).max(128), address: z.string().min(1).max(1024).optional() }),
  /** Offers received and not answered yet. */
  offers: z.strictObject({}),
  /** Accept (starts the download into the download folder) or decline an offer. */
  answerOffer: z.strictObject({ offerId: z.number().int().min(1), accept: z.boolean() }),
  /** Stop serving a share (files are left alone). */
  unshare: z.strictObject({ shareId }),
  /** Start downloading a `swarmdrop://` link into `outDir` (default: the download folder). */
  addDownload: z.strictObject({
    link: z.string().min(1).max(8192),
    outDir: z.string().min(1).max(4096).optional(),
    peers: z.array(z.string().min(1).max(1024)).max(64).optional()
  }),
  pause: z.strictObject({ shareId }),
  resume: z.strictObject({ shareId }),
  /**
   * Forget a download; `deleteData` also removes its partial data (never finished files).
   * `deleteFiles` also deletes what it wrote, partial or finished (only inside its download folder,
   * only files of this download; a finished one stops being seeded first).
   */
  remove: z.strictObject({ shareId, deleteData: z.boolean().optional(), deleteFiles: z.boolean().optional() }),
  /** Seed a finished download (serve its files to others) or stop; the download stays listed either way. */
  seed: z.strictObject({ shareId, on: z.boolean() }),
  list: z.strictObject({}),
  /** Global caps in bytes per second; 0 = unlimited. */
  setLimits: z.strictObject({ maxUploadBytesPerSecond: byteRate.optional(), maxDownloadBytesPerSecond: byteRate.optional() }),
  nodeInfo: z.strictObject({}),
  /** Which source delivered each verified chunk of a download (run-length encoded). */
  chunkMap: z.strictObject({ shareId }),
  /** The files of a share or a download (once its manifest is known). */
  files: z.strictObject({ shareId }),
  getSettings: z.strictObject({}),
  /** Changes what is given; `network` is saved to the profile's config.json and applies on restart (null = the public network). */
  setSettings: z.strictObject({
    downloadDir: z.string().min(1).max(4096).optional(),
    maxUploadBytesPerSecond: byteRate.optional(),
    maxDownloadBytesPerSecond: byteRate.optional(),
    network: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, "1-63 letters, digits, '.', '_' or '-'").nullable().optional(),
    startAtLogin: z.boolean().optional(),
    closeToTray: z.boolean().optional(),
    /** Relay for other nodes while this one is reachable (applied at once). */
    relayService: z.boolean().optional(),
    keepSeeding: z.boolean().optional(),
    /** Stop seeding a finished download at this share ratio (uploaded / size); null = no limit. */
    seedRatioLimit: z.number().positive().max(1_000_000).nullable().optional(),
    /** Stop seeding a finished download after this many minutes seeded; null = no limit. */
    seedMinutesLimit: z.number().int().positive().max(100_000_000).nullable().optional(),
    /** Cleaned (no control or format characters, at most 40 characters); empty = the default (OS user or host name). */
    displayName: z.string().max(256).optional()
  }),
  /** Write a bug report (log tail, node state, versions) into the profile's logs folder. */
  bugReport: z.strictObject({})
} as const

export type CommandName = keyof typeof commandSchemas
export type CommandArgs<C extends CommandName> = z.infer<typeof commandSchemas[C]>

/** Names an untrusted command for an error message: a bounded quoted string, or just its type. */
function describeCommand (command: unknown): string {
  if (typeof command !== 'string') return `of type ${command === null ? 'null' : typeof command}`
  return JSON.stringify(command.length > 64 ? command.slice(0, 64) + '…' : command)
}

/** Validates a command name and its arguments from an untrusted caller. */
export function parseCommand (command: unknown, args: unknown): { command: CommandName, args: CommandArgs<CommandName> } {
  if (typeof command !== 'string' || !Object.hasOwn(commandSchemas, command)) {
    throw new InvalidArgumentError(`unknown command ${describeCommand(command)}`)
  }
  const name = command as CommandName
  const result = commandSchemas[name].safeParse(args ?? {})
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new InvalidArgumentError(`${name}: ${issue?.path.join('.') || 'arguments'}: ${issue?.message ?? 'invalid'}`)
  }
  return { command: name, args: result.data }
}

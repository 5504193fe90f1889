import { NotFoundError } from '../errors.ts'
import { parseLink } from '../link/link.ts'
import { liveState, writeBugReport } from '../log/bug-report.ts'
import type { CommandArgs, CommandName, CommandResults, NodeInfo, ServiceEvent, SwarmdropApi } from '../contract/index.ts'
import type { Downloads } from './downloads.ts'
import type { OfferService } from './offer-service.ts'
import type { PeerBook } from './peer-book.ts'
import type { SearchService } from './search-service.ts'
import type { SettingsStore } from './settings-store.ts'
import type { ShareDiscovery } from './share-discovery.ts'
import type { ShareRegistry } from './share-registry.ts'

/** The rooms a command is answered by (SwarmdropService's parts). */
export interface CommandRooms {
  readonly shares: ShareRegistry
  readonly discovery: ShareDiscovery
  readonly downloads: Downloads
  readonly peers: PeerBook
  readonly settings: SettingsStore
  readonly search: SearchService
  readonly offers: OfferService
  readonly profileDir: string
  /** The whole service, for the bug report's live state (read through the contract). */
  readonly api: Pick<SwarmdropApi, 'call'>
  nodeInfo (): NodeInfo
  emit (event: ServiceEvent): void
}

/** Which room answers each command of the contract; `args` were validated by parseCommand. */
export async function runCommand (rooms: CommandRooms, command: CommandName, args: unknown): Promise<CommandResults[CommandName]> {
  const { shares, discovery, downloads, peers, settings, search, offers } = rooms
  const withJob = async (act: (job: ReturnType<Downloads['get']>) => Promise<void>): Promise<CommandResults['pause']> => {
    const job = downloads.get((args as CommandArgs<'pause'>).shareId)
    await act(job)
    return job.info()
  }
  switch (command) {
    case 'share': {
      const a = args as CommandArgs<'share'>
      const info = await shares.share(a.path, a.discoverable === true)
      discovery.announce(info.shareId)
      return info
    }
    case 'unshare': {
      const { shareId } = args as CommandArgs<'unshare'>
      await shares.unshare(shareId)
      await discovery.withdraw(shareId)
      return undefined
    }
    case 'addDownload': {
      const a = args as CommandArgs<'addDownload'>
      return await downloads.add(parseLink(a.link), a, settings.downloadDir)
    }
    case 'pause': return await withJob(async job => { await job.pause() })
    case 'resume': return await withJob(async job => { await job.resume() })
    case 'remove': {
      const a = args as CommandArgs<'remove'>
      await downloads.remove(a.shareId, a.deleteData === true, a.deleteFiles === true)
      return undefined
    }
    case 'seed': {
      const a = args as CommandArgs<'seed'>
      return await downloads.seed(a.shareId, a.on)
    }
    case 'list': return { shares: shares.list(), downloads: [...downloads.values()].map(j => j.info()), peers: peers.connected(downloads.rateByPeer()) }
    case 'setLimits': {
      const limits = await settings.setLimits(args as CommandArgs<'setLimits'>)
      rooms.emit({ type: 'settings:changed', settings: await settings.get() })
      return limits
    }
    case 'nodeInfo': return rooms.nodeInfo()
    case 'chunkMap': {
      const { shareId } = args as CommandArgs<'chunkMap'>
      const map = downloads.get(shareId).chunkMap()
      if (map == null) throw new NotFoundError(`the manifest of download ${shareId} is not known yet`)
      return map
    }
    case 'files': {
      const { shareId } = args as CommandArgs<'files'>
      const files = shares.files(shareId) ?? downloads.get(shareId).files()
      if (files == null) throw new NotFoundError(`the manifest of download ${shareId} is not known yet`)
      return { files }
    }
    case 'setDiscoverable': {
      const a = args as CommandArgs<'setDiscoverable'>
      const info = await shares.setDiscoverable(a.shareId, a.on)
      search.refresh()
      return info
    }
    case 'search': return search.search((args as CommandArgs<'search'>).query)
    case 'browse': return await search.browse((args as CommandArgs<'browse'>).peerId)
    case 'sendTo': {
      const { shareId, peerId, address } = args as CommandArgs<'sendTo'>
      return await offers.sendTo(shareId, peerId, address)
    }
    case 'offers': return offers.offers()
    case 'answerOffer': {
      const { offerId, accept } = args as CommandArgs<'answerOffer'>
      return await offers.answer(offerId, accept)
    }
    case 'getSettings': return await settings.get()
    case 'bugReport': return await writeBugReport({ profileDir: rooms.profileDir, state: await liveState(rooms.api) })
    case 'setSettings': {
      const saved = await settings.set(args as CommandArgs<'setSettings'>)
      rooms.emit({ type: 'settings:changed', settings: saved })
      return saved
    }
  }
}

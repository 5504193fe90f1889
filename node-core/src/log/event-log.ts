/**
 * What a running node did, in its log (component `swarmdrop:events`): the service's notable events
 * as info lines (shares added and stopped, downloads added, changing state, finishing or failing,
 * providers found, announces, the DHT's mode) and a status line every minute (peers connected,
 * each unfinished download's bytes and connected sources), so that "it is stuck" can be read from
 * the log afterwards. Progress ticks are not logged, only state changes; peers coming and going
 * and routing-table sizes are debug lines (`DEBUG=swarmdrop:events`): a DHT node sees many.
 */
import type { DownloadInfo, ServiceEvent, SwarmdropApi } from '../contract/index.ts'
import { logger } from './logger.ts'

const log = logger('swarmdrop:events')
export const STATUS_INTERVAL_MS = 60_000

/** Logs `api`'s events and a status line every `statusIntervalMs`; returns a function that stops both. */
export function logServiceEvents (api: SwarmdropApi, statusIntervalMs = STATUS_INTERVAL_MS): () => void {
  const states = new Map<string, string>()
  const dhtMode = { last: '' }
  const unsubscribe = api.subscribe(event => { logEvent(event, states, dhtMode) })
  const timer = setInterval(() => {
    api.call('list', {}).then(
      list => { log.info('status: %d peers connected; %s', list.peers.length, list.downloads.filter(d => d.state !== 'complete').map(describeDownload).join('; ') || 'no unfinished download') },
      (err: unknown) => { log.warn('status not read: %s', err) })
  }, statusIntervalMs)
  timer.unref()
  return () => { clearInterval(timer); unsubscribe() }
}

function logEvent (e: ServiceEvent, states: Map<string, string>, dhtMode: { last: string }): void {
  switch (e.type) {
    case 'share:added': log.info('share added: %s %s (%d files, %d bytes)', e.share.shareId, e.share.name, e.share.fileCount, e.share.totalBytes); break
    case 'share:changed': log.warn('share %s stopped: %s', e.share.shareId, e.share.changed ?? 'changed'); break
    case 'share:removed': log.info('share removed: %s', e.shareId); break
    case 'share:announced': log.info('announced %s on the DHT in %d ms (stored on %d peers, %d errors)', e.shareId, e.ms, e.stored, e.errors); break
    case 'share:announce-failed': log.warn('announce of %s failed: %s', e.shareId, e.message); break
    case 'download:added': states.set(e.download.shareId, e.download.state); log.info('download added: %s', describeDownload(e.download)); break
    case 'download:progress': {
      const before = states.get(e.download.shareId)
      if (before === e.download.state) break
      states.set(e.download.shareId, e.download.state)
      log.info('download %s: %s -> %s', describeDownload(e.download), before ?? 'unknown', e.download.state)
      break
    }
    case 'download:complete': states.delete(e.download.shareId); log.info('download complete: %s', describeDownload(e.download)); break
    case 'download:error': states.delete(e.download.shareId); log.error('download failed: %s: %s %s', describeDownload(e.download), e.download.error?.code ?? 'error', e.download.error?.message ?? ''); break
    case 'download:removed': states.delete(e.shareId); log.info('download removed: %s', e.shareId); break
    case 'download:provider': log.info('provider of %s found via %s: %s', e.shareId, e.via, e.peerId); break
    case 'dht':
      if (e.dht.mode !== dhtMode.last) log.info('DHT %s mode, %d peers in the routing table', e.dht.mode, e.dht.routingTableSize)
      else log('DHT routing table: %d peers', e.dht.routingTableSize)
      dhtMode.last = e.dht.mode
      break
    case 'peer:connected': log('peer connected (%s, %s): %s %s', e.peer.direction, e.peer.via, e.peer.peerId, e.peer.addresses[0] ?? ''); break
    case 'peer:disconnected': log('peer disconnected: %s', e.peerId); break
    case 'search:done': log.info('search %d done: %d result(s) from %d of %d peer(s) in %d ms%s', e.done.searchId, e.done.results, e.done.peersAnswered, e.done.peersAsked, e.done.ms, e.done.error != null ? `: ${e.done.error}` : ''); break
    case 'search:keywords': if (e.pending === 0) log.info('search keywords on the DHT: %d published, %d failed', e.published, e.failed); break
    case 'settings:changed': log.info('settings changed: up %d B/s, down %d B/s, network %s', e.settings.maxUploadBytesPerSecond, e.settings.maxDownloadBytesPerSecond, e.settings.network ?? 'public'); break
  }
}

function describeDownload (d: DownloadInfo): string {
  const connected = d.sources.filter(s => s.connected).length
  return `${d.shareId} ${d.name ?? '(manifest not yet known)'} ${d.state} ${d.verifiedBytes}/${d.totalBytes ?? '?'} bytes, ${connected}/${d.sources.length} sources connected`
}

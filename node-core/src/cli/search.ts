/**
 * `swarmdrop search QUERY` and `swarmdrop browse PEER-ID`: print discoverable shares of the
 * network as they arrive (one JSON line each with --json), then a summary. Everything a peer said
 * goes through the peer-text sanitiser (Output does that).
 */
import { setTimeout as delay } from 'node:timers/promises'
import { formatBytes } from '../bandwidth/units.ts'
import type { SearchResult, SwarmdropApi } from '../contract/index.ts'
import type { SwarmdropService } from '../service/service.ts'
import { shortPeer } from './progress.ts'

/** Longest wait for the DHT routing table to hold a peer before searching anyway. */
const JOIN_WAIT_MS = 15_000

export interface LineOutput {
  event (object: Record<string, unknown>, human: () => string): void
}

function describeResult (r: SearchResult): string {
  const files = r.matchingFiles.length > 0 ? `\n    ${r.matchingFiles.join('\n    ')}` : ''
  return `${r.name}  ${formatBytes(r.size)}, ${r.fileCount} file${r.fileCount === 1 ? '' : 's'}, ${r.holders.length} peer${r.holders.length === 1 ? '' : 's'} (${r.holders.map(shortPeer).join(' ')})\n  ${r.link}${files}`
}

async function joined (service: SwarmdropService): Promise<void> {
  const until = Date.now() + JOIN_WAIT_MS
  while (Date.now() < until && (await service.call('nodeInfo', {})).dht.routingTableSize === 0) await delay(250)
}

/** Runs one search; resolves with the exit code once it is done (1 when it could not run). */
export async function searchCommand (service: SwarmdropService, query: string, out: LineOutput): Promise<number> {
  await joined(service)
  let searchId = -1
  const early: Array<Parameters<Parameters<SwarmdropApi['subscribe']>[0]>[0]> = []
  let handle: ((e: typeof early[number]) => void) | null = null
  const done = new Promise<number>(resolve => {
    handle = e => {
      if (e.type === 'search:result' && e.searchId === searchId) {
        out.event({ event: 'result', ...e.result }, () => describeResult(e.result))
      } else if (e.type === 'search:done' && e.done.searchId === searchId) {
        const d = e.done
        out.event({ event: 'search-done', ...d }, () => d.error != null ? `search failed: ${d.error}` : `${d.results} share(s) from ${d.peersAnswered} of ${d.peersAsked} peer(s) asked, in ${d.ms} ms`)
        resolve(d.error != null ? 1 : 0)
      }
    }
  })
  // Events may come before `search` resolves with the ID: they wait until it is known.
  const unsubscribe = service.subscribe(e => { if (searchId < 0) early.push(e); else handle?.(e) })
  try {
    searchId = (await service.call('search', { query })).searchId
    for (const e of early.splice(0)) handle!(e)
    return await done
  } finally {
    unsubscribe()
  }
}

export async function browseCommand (service: SwarmdropService, peerId: string, out: LineOutput): Promise<number> {
  await joined(service)
  const { results } = await service.call('browse', { peerId })
  for (const r of results) out.event({ event: 'result', ...r }, () => describeResult(r))
  out.event({ event: 'browse-done', peerId, results: results.length }, () => `${results.length} discoverable share(s) of ${peerId}`)
  return 0
}

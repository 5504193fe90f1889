/**
 * A real `swarmdrop daemon --web --web-port 0` process (loopback, test network, no mDNS) and a
 * small client of its WebSocket API, for the tests to compare what the page shows with what the
 * node reports.
 */
import WebSocket from 'ws'
import { swarmdrop } from '../../helpers/processes.ts'
import { tempDir } from '../../helpers/files.ts'
import { TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL } from '../../../node-core/src/contract/index.ts'
import type { CommandArgs, CommandName, CommandResults } from '../../../node-core/src/contract/index.ts'
import type { ServerMessage, ServiceEvent } from '../../../node-core/src/contract/index.ts'
import type { JsonProcess } from '../../helpers/processes.ts'

export interface WebDaemon {
  readonly process: JsonProcess
  /** `http://127.0.0.1:PORT/#token=…`, as the daemon prints it. */
  readonly url: string
  readonly peerId: string
  readonly repo: string
  readonly port: number
  call<C extends CommandName> (command: C, args: CommandArgs<C>): Promise<CommandResults[C]>
  /** Calls `listener` with every service event the daemon pushes from now on; returns the unsubscribe. */
  onEvent (listener: (event: ServiceEvent) => void): () => void
  close (): void
}

/**
 * Starts a daemon; `repo` and `port` restart an earlier one (same identity, token and web port).
 * `ui: false` is for callers that use the API only (benchmarks): no built renderer needed.
 */
export async function startWebDaemon (extra: string[] = [], again?: { repo: string, port: number }, { ui = true }: { ui?: boolean } = {}): Promise<WebDaemon> {
  const repo = again?.repo ?? await tempDir()
  const process = swarmdrop(['daemon', '--web', '--web-port', String(again?.port ?? 0), '--repo', repo, '--out', await tempDir(), ...extra])
  const listening = await process.event('listening', 60_000)
  const web = await process.event('web', 60_000)
  if (ui && web.ui !== true) throw new Error('the daemon serves no UI: run npm run build:renderer first')
  const url = String(web.url)
  const token = new URL(url).hash.replace(/^#token=/, '')
  const socket = new WebSocket(new URL('/api/ws', url).toString().replace(/^http/, 'ws'), [WIRE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token])
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
  const pending = new Map<number, { resolve (v: unknown): void, reject (e: Error): void }>()
  const listeners = new Set<(event: ServiceEvent) => void>()
  socket.on('message', data => {
    const m = JSON.parse(String(data)) as ServerMessage
    if (m.type === 'event') { for (const l of listeners) l(m.event); return }
    const p = pending.get(m.id)
    pending.delete(m.id)
    if (m.type === 'result') p?.resolve(m.result)
    else p?.reject(Object.assign(new Error(m.error.message), { code: m.error.code }))
  })
  let nextId = 1
  return {
    process,
    url,
    peerId: String(listening.peerId),
    repo,
    port: Number(web.port),
    call (command, args) {
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        socket.send(JSON.stringify({ type: 'call', id, command, args }))
      })
    },
    onEvent (listener) { listeners.add(listener); return () => { listeners.delete(listener) } },
    close () { socket.terminate() }
  }
}

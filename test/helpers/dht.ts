/** A local Kad-DHT of real daemons on 127.0.0.1 (DHT servers, private addresses allowed). */
import { tempDir } from './files.ts'
import { swarmdrop } from './processes.ts'
import type { JsonProcess } from './processes.ts'

export const DHT = ['--dht-server', '--allow-private']

/** Starts `count` DHT-server daemons that know the first; resolves with their addresses once the first one's routing table holds a few. */
export async function daemons (count: number, extra: string[] = []): Promise<string[]> {
  const first = swarmdrop(['daemon', '--repo', await tempDir(), ...DHT, ...extra])
  const firstAddr = ((await first.event('listening')).addresses as string[])[0]!
  const rest: JsonProcess[] = []
  for (let i = 1; i < count; i++) rest.push(swarmdrop(['daemon', '--repo', await tempDir(), ...DHT, '--bootstrap', firstAddr, ...extra]))
  const addrs = await Promise.all(rest.map(async p => ((await p.event('listening', 60_000)).addresses as string[])[0]!))
  // The first node learns of the others: its routing table fills (reported as a 'dht' event).
  await first.waitFor(l => l.event === 'dht' && ((l.dht as { routingTableSize: number }).routingTableSize) >= Math.min(count - 1, 3), 60_000)
  return [firstAddr, ...addrs]
}

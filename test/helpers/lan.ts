/**
 * A local network of two hosts for mDNS tests: two network namespaces joined by a veth pair, with
 * multicast routed onto it (root only; CI runs as root). The multicast never reaches the machine's
 * real interfaces. Namespaces are named after this process's PID, so a run can tell its leftovers
 * from a live run's; those of runs whose process is gone are removed first.
 */
import { execFileSync } from 'node:child_process'
import { onExitOrInterrupt } from './process-groups.ts'
import { CLI, JsonProcess, NODE_FLAGS, TEST_NETWORK } from './processes.ts'

const ip = (...args: string[]): string => execFileSync('ip', args, { stdio: 'pipe', encoding: 'utf8' })

export interface Lan {
  /** The two namespaces, host A first. */
  readonly namespaces: readonly [string, string]
  /** A swarmdrop command in host `i`'s namespace: test network, any port on every address, no DHT (mDNS is the only way to the other host). */
  swarmdrop (i: 0 | 1, args: string[]): JsonProcess
  /** Removes both namespaces (their processes must be killed first). */
  remove (): void
}

/** Removes the namespaces of earlier runs with this tag whose process is gone (killed before it could clean up). */
function removeStale (tag: string): void {
  const pattern = new RegExp(`^(sd-${tag}-[ab]-(\\d+))\\b`)
  for (const line of ip('netns', 'list').split('\n')) {
    const m = pattern.exec(line)
    if (m == null) continue
    try { process.kill(Number(m[2]), 0); continue } catch { /* that run is gone */ }
    try { ip('netns', 'delete', m[1]!) } catch { /* removed meanwhile */ }
  }
}

/** Why this machine cannot make the namespaces, or null if it can. */
export function lanUnavailable (): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root)'
  try { ip('netns', 'list') } catch (err) { return `cannot run ip netns (need iproute2): ${(err as Error).message.split('\n')[0]}` }
  return null
}

/** Makes hosts A (10.213.0.1) and B (10.213.0.2); `tag` keeps the names of two test files apart (at most 5 characters: interface names are short). */
export function makeLan (tag: string): Lan {
  removeStale(tag)
  const namespaces = [`sd-${tag}-a-${process.pid}`, `sd-${tag}-b-${process.pid}`] as const
  const remove = (): void => { for (const ns of namespaces) { try { ip('netns', 'delete', ns) } catch { /* already gone */ } } }
  onExitOrInterrupt(remove)
  for (const ns of namespaces) ip('netns', 'add', ns)
  ip('link', 'add', `sd${tag}a`, 'netns', namespaces[0], 'type', 'veth', 'peer', 'name', `sd${tag}b`, 'netns', namespaces[1])
  namespaces.forEach((ns, i) => {
    const dev = `sd${tag}${i === 0 ? 'a' : 'b'}`
    ip('-n', ns, 'addr', 'add', `10.213.0.${i + 1}/24`, 'dev', dev)
    ip('-n', ns, 'link', 'set', dev, 'up', 'multicast', 'on')
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev)
  })
  return {
    namespaces,
    swarmdrop: (i, args) => new JsonProcess('ip', ['netns', 'exec', namespaces[i], process.execPath, ...NODE_FLAGS, CLI, ...args, '--json', '--listen', '/ip4/0.0.0.0/tcp/0', '--no-dht', '--network', TEST_NETWORK]),
    remove
  }
}

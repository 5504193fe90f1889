/**
 * What the reach tests in the simulated internet share (test/integration/reach.test.ts,
 * reach-relays.test.ts): one NetSim per test file with its hooks (every process killed after each
 * test and every host's guard read: no packet may have been addressed outside the simulation),
 * public nodes, a NAT'd seeder run as a daemon, and the addresses a download reached a peer at.
 */
import { after, afterEach, before } from 'node:test'
import assert from 'node:assert/strict'
import { removeTemps, tempDir } from './files.ts'
import { NetSim, netsimUnavailable } from './netsim.ts'
import { killAll } from './processes.ts'
import type { SimHost } from './netsim.ts'
import type { JsonProcess } from './processes.ts'

export interface ReachSim {
  /** Made before the file's first test (only when `unavailable` is null). */
  sim: NetSim
  /** Hosts whose guard is read after the current test (push every host a test makes). */
  readonly hosts: SimHost[]
  /** Why the simulation cannot run here (the file's tests skip with it), or null. */
  readonly unavailable: string | null
}

/** Registers the file's hooks; `label` names the file's tests in the skip message. */
export function useReachSim (label: string): ReachSim {
  const unavailable = netsimUnavailable()
  if (unavailable != null) console.log(`# ${label} tests skipped: ${unavailable}`)
  const state: ReachSim = { sim: undefined as unknown as NetSim, hosts: [], unavailable }
  before(() => { if (unavailable == null) state.sim = NetSim.create() })
  afterEach(async () => {
    await killAll()
    for (const h of state.hosts.splice(0)) assert.equal(state.sim.outsidePackets(h), 0, `${h.ns} sent packets to addresses outside the simulation: ${state.sim.outsideDestinations(h).join(', ')}`)
  })
  after(async () => {
    state.sim?.destroy()
    await removeTemps()
  })
  return state
}

export interface Progress { sources?: Array<{ peerId: string, address: string | null, connected: boolean, bytes: number }> }

/** The addresses a peer's source was reached at during a download, from `get --json` progress lines. */
export function addressesOf (get: JsonProcess, peerId: string): Set<string> {
  const seen = new Set<string>()
  for (const l of get.lines) {
    if (l.event !== 'progress') continue
    for (const s of (l as Progress).sources ?? []) if (s.peerId === peerId && s.connected && s.address != null) seen.add(s.address)
  }
  return seen
}

export interface PublicNode { readonly host: SimHost, readonly proc: JsonProcess, readonly bootstrap: string }

/**
 * A public node on the simulated internet with a fixed port (a bootstrap peer and a relay), run as
 * a daemon joining through `bootstrap` (none: an empty list, never the built-in public one). It
 * announces its listen address on a named public IP at once (no AutoNAT round needed); `ready`
 * picks the line to wait for after that.
 */
export async function publicNode (rs: ReachSim, name: string, ready: (line: Record<string, unknown>) => boolean, bootstrap: string[] = [], extra: string[] = []): Promise<PublicNode> {
  const host = rs.sim.publicHost(name)
  rs.hosts.push(host)
  const proc = rs.sim.swarmdrop(host, ['daemon', '--repo', await tempDir(), '--listen', `/ip6/${host.ip6}/tcp/4001`, '--listen', `/ip4/${host.ip4}/tcp/4001`, ...extra], { SWARMDROP_BOOTSTRAP_LIST: bootstrap.join(',') })
  const addresses = (await proc.event('listening', 60_000)).addresses as string[]
  const announced = addresses.find(a => a.startsWith(`/ip6/${host.ip6}/tcp/4001/p2p/`))
  assert.ok(announced != null, `the public node announces its address: ${JSON.stringify(addresses)}`)
  await proc.waitFor(ready, 60_000)
  return { host, proc, bootstrap: announced }
}

/** Shares `dir` in a profile, then seeds it with `daemon` (which prints its events); returns the share ID. */
export async function seedWithDaemon (rs: ReachSim, host: SimHost, dir: string, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<{ shareId: string, peerId: string, daemon: JsonProcess }> {
  const repo = await tempDir()
  const share = rs.sim.swarmdrop(host, ['share', dir, '--repo', repo], env)
  const shareId = (await share.event('shared', 60_000)).shareId as string
  await share.kill()
  const daemon = rs.sim.swarmdrop(host, ['daemon', '--repo', repo, ...extra], env)
  const peerId = (await daemon.event('listening', 60_000)).peerId as string
  return { shareId, peerId, daemon }
}

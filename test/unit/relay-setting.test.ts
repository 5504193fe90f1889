/**
 * The relayService setting: on by default; changed by setSettings, saved in the state store and
 * applied at once; a start-up override (config.json `relayService`, `--no-relay-service`) wins and
 * is saved. And SwarmRelays.setServe stops and starts the relay server of a real, reachable node
 * (its hop protocol handler comes and goes).
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport, RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { loadConfigFile } from '../../node-core/src/config/config-file.ts'
import { serviceOptionsFrom } from '../../node-core/src/config/service-options.ts'
import { swarmRelays } from '../../node-core/src/net/relays.ts'
import { SettingsStore } from '../../node-core/src/service/settings-store.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import type { SwarmRelays, SwarmRelaysComponents } from '../../node-core/src/net/relays.ts'

after(removeTemps)

async function open (profileDir: string, applied: boolean[], relayService?: boolean): Promise<{ store: StateStore, settings: SettingsStore }> {
  const store = await StateStore.open(profileDir)
  const settings = await SettingsStore.open({ store, profileDir, network: null, relayService, applyRelayService: async on => { applied.push(on) } })
  return { store, settings }
}

describe('relayService setting', () => {
  it('is on by default, round-trips through setSettings and a restart, and is applied each time', async () => {
    const profile = await tempDir()
    const applied: boolean[] = []
    const first = await open(profile, applied)
    assert.equal((await first.settings.get()).relayService, true, 'on by default')
    const off = await first.settings.set({ relayService: false })
    assert.equal(off.relayService, false)
    assert.deepEqual(applied, [true, false], 'applied at open, then at once when switched off')
    await first.store.close()

    const second = await open(profile, applied)
    assert.equal((await second.settings.get()).relayService, false, 'saved across a restart')
    assert.equal(applied.at(-1), false)
    // Changing something else keeps it.
    await second.settings.set({ closeToTray: false })
    assert.equal((await second.settings.get()).relayService, false)
    await second.store.close()

    const third = await open(profile, applied, true) // a start-up override wins, and is saved
    assert.equal((await third.settings.get()).relayService, true)
    assert.equal(applied.at(-1), true)
    await third.store.close()
    const fourth = await open(profile, applied)
    assert.equal((await fourth.settings.get()).relayService, true)
    await fourth.store.close()
  })

  it('is read from config.json as `relayService` (absent: no override)', async () => {
    const profile = await tempDir()
    assert.equal(serviceOptionsFrom(profile, await loadConfigFile(profile), undefined).relayService, undefined)
    await writeFile(join(profile, 'config.json'), JSON.stringify({ relayService: false }))
    assert.equal(serviceOptionsFrom(profile, await loadConfigFile(profile), undefined).relayService, false)
    await writeFile(join(profile, 'config.json'), JSON.stringify({ relayService: 'no' }))
    await assert.rejects(loadConfigFile(profile), { name: 'InvalidArgumentError' })
  })

  it('stops and starts the relay server of a reachable node at once', async () => {
    const node = await createLibp2p({
      // An announced public address makes the node reachable (as a confirmed one would); nothing dials it.
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'], announce: ['/ip4/93.184.216.34/tcp/4001'] },
      transports: [tcp(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), relays: (components: SwarmRelaysComponents) => swarmRelays({ swarmProtocol: '/test/1.0.0' })(components) }
    } as Parameters<typeof createLibp2p>[0])
    try {
      const relays = node.services.relays as SwarmRelays
      const hop = (): boolean => node.getProtocols().includes(RELAY_V2_HOP_CODEC)
      await relays.setServe(true) // re-checks reachability now (the address update may have come before start)
      await waitUntil(() => relays.state().serving && hop())
      assert.equal(relays.state().enabled, true)
      await relays.setServe(false)
      assert.equal(relays.state().serving, false)
      await waitUntil(() => !hop())
      assert.equal(relays.state().enabled, false)
      await relays.setServe(true)
      await waitUntil(() => relays.state().serving && hop())
    } finally {
      await node.stop()
    }
  })
})

async function waitUntil (check: () => boolean, capMs = 20_000): Promise<void> {
  const start = performance.now()
  while (!check()) {
    if (performance.now() - start > capMs) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

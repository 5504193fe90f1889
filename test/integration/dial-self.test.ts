/**
 * The node never dials the web UI's port or its own listen addresses, whatever a link, the DHT or
 * peer exchange says: real libp2p nodes (SwarmdropService in process) and a real TCP listener that
 * stands where the web UI would be and counts who connects.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { TEST_NETWORK } from '../helpers/processes.ts'
import type { AddressInfo, Server } from 'node:net'

const OTHER = '12D3KooWR6LMm1UdANiPzP8z82TPJsr59cZSfDgGtsE5z9vuzTmc'
const services: SwarmdropService[] = []
let listener: Server | null = null
after(async () => { for (const s of services) await s.stop(); listener?.close(); await removeTemps() })

async function service (): Promise<SwarmdropService> {
  // allowPrivate: loopback would be refused anyway otherwise; this isolates the own-address rule.
  const s = await SwarmdropService.create({ profileDir: await tempDir(), listen: ['/ip4/127.0.0.1/tcp/0'], downloadDir: await tempDir(), restore: false, mdns: false, dht: false, allowPrivate: true, network: TEST_NETWORK })
  services.push(s)
  return s
}

describe('never dial ourselves', { timeout: 60_000 }, () => {
  it('refuses the web UI port (any loopback spelling) and our own listen address; a node not told about the port dials it', async () => {
    let accepted = 0
    const connected = new Promise<void>(resolve => {
      listener = createServer(socket => { accepted++; socket.destroy(); resolve() })
    })
    await new Promise<void>(resolve => listener!.listen(0, '127.0.0.1', resolve))
    const webPort = (listener!.address() as AddressInfo).port

    const s = await service()
    s.denyLocalPort(webPort)
    for (const host of ['/ip4/127.0.0.1', '/ip4/0.0.0.0', '/ip6/::1']) {
      await assert.rejects(s.node.dial(multiaddr(`${host}/tcp/${webPort}/p2p/${OTHER}`), { signal: AbortSignal.timeout(20_000) }), { name: 'DialDeniedError' }, host)
    }
    const own = s.node.getMultiaddrs()[0]!
    const ownPort = own.getComponents().find(c => c.name === 'tcp')!.value!
    await assert.rejects(s.node.dial(multiaddr(`/ip4/127.0.0.1/tcp/${ownPort}/p2p/${OTHER}`), { signal: AbortSignal.timeout(20_000) }), { name: 'DialDeniedError' }, 'own address')
    assert.equal(accepted, 0)

    // Control: a node that was not told about the port does dial it (so the check above can fail).
    const control = await service()
    await control.node.dial(multiaddr(`/ip4/127.0.0.1/tcp/${webPort}/p2p/${OTHER}`), { signal: AbortSignal.timeout(20_000) }).catch(() => {})
    await connected
    assert.equal(accepted, 1)
  })
})

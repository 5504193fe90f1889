/**
 * Start-up time (issue 16): the optional parts of a node are loaded only when used. A child
 * process records every module specifier resolved (module.registerHooks) while it starts and
 * stops a real SwarmdropService on 127.0.0.1 (with the CLI's module loaded too), and reports which
 * of the optional packages it loaded: none with the DHT, mDNS and the web UI off; the DHT's when
 * it is on.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { removeTemps, tempDir } from '../helpers/files.ts'
import { NODE_FLAGS } from '../helpers/processes.ts'

const run = promisify(execFile)
const SERVICE = new URL('../../node-core/src/index.ts', import.meta.url).href
const CLI_MAIN = new URL('../../node-core/src/cli/main.ts', import.meta.url).href
const OPTIONAL = ['@libp2p/kad-dht', '@libp2p/mdns', '@libp2p/upnp-nat', '@libp2p/bootstrap', '@libp2p/pnet', 'ws']

/** Starts and stops a service with `options` in a fresh process; the optional packages it resolved. */
async function optionalPackagesLoaded (options: Record<string, unknown>): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module'
    const seen = new Set()
    registerHooks({ resolve (specifier, context, next) { seen.add(specifier); return next(specifier, context) } })
    await import(${JSON.stringify(CLI_MAIN)})
    const { SwarmdropService } = await import(${JSON.stringify(SERVICE)})
    const service = await SwarmdropService.create(${JSON.stringify(options)})
    await service.stop()
    const optional = ${JSON.stringify(OPTIONAL)}
    console.log(JSON.stringify([...seen].filter(s => optional.some(p => s === p || s.startsWith(p + '/')))))
  `
  const { stdout } = await run(process.execPath, [...NODE_FLAGS, '--input-type=module', '-e', script], { timeout: 120_000 })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as string[]
}

describe('optional parts are loaded only when used', () => {
  it('loads none of the DHT, mDNS, UPnP, bootstrap, pnet and ws with them off; the DHT when it is on', async () => {
    try {
      const base = { listen: ['/ip4/127.0.0.1/tcp/0'], network: 'swarmdrop-test', mdns: false, restore: false }
      assert.deepEqual(await optionalPackagesLoaded({ ...base, profileDir: await tempDir(), dht: false }), [])
      assert.deepEqual(await optionalPackagesLoaded({ ...base, profileDir: await tempDir(), dht: true }), ['@libp2p/kad-dht'])
    } finally {
      await removeTemps()
    }
  })
})

/**
 * The service supervisor with the REAL SwarmdropService (libp2p on 127.0.0.1, network
 * 'swarmdrop-test', no mDNS, real LevelDB profiles). No Electron here: the supervisor does not use it.
 * Failures are real too: a profile locked by another running service, and an uncaught exception
 * thrown in a child process that runs the supervisor.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { SwarmdropService } from '../../node-core/src/service/service.ts'
import { ServiceSupervisor, restartDelay, DEFAULT_RESTART_POLICY } from '../../electron/main/service-supervisor.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { JsonProcess, TEST_NETWORK, killAll } from '../helpers/processes.ts'
import type { SupervisorFault } from '../../electron/main/service-supervisor.ts'
import type { ServiceEvent } from '../../node-core/src/contract/index.ts'

const supervisors: ServiceSupervisor[] = []
afterEach(killAll)
const services: SwarmdropService[] = []
after(async () => {
  for (const s of supervisors) await s.stop()
  for (const s of services) await s.stop().catch(() => {})
  await removeTemps()
})

function createService (profileDir: string): Promise<SwarmdropService> {
  return SwarmdropService.create({ profileDir, listen: ['/ip4/127.0.0.1/tcp/0'], downloadDir: join(profileDir, 'downloads'), restore: true, mdns: false, allowPrivate: true, network: TEST_NETWORK })
}

async function waitFor (what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await delay(50)
  }
}

describe('restartDelay', () => {
  it('grows exponentially from the initial delay and stops at the cap', () => {
    const policy = { ...DEFAULT_RESTART_POLICY, initialDelayMs: 1000, factor: 2, maxDelayMs: 60_000 }
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 50].map(n => restartDelay(n, policy)), [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000])
    assert.equal(restartDelay(0, policy), 1000)
  })
})

describe('ServiceSupervisor with the real service', { timeout: 120_000 }, () => {
  it('restarts the node after a fault, keeps subscriptions, and refuses calls with a typed error meanwhile', async () => {
    const profile = await tempDir()
    const faults: SupervisorFault[] = []
    let created = 0
    const sup = new ServiceSupervisor({
      create: async () => { created++; return await createService(profile) },
      policy: { initialDelayMs: 200 },
      onFault: f => faults.push(f)
    })
    supervisors.push(sup)
    await sup.start()
    assert.equal(sup.state, 'running')
    const before = await sup.call('nodeInfo', {})
    const events: ServiceEvent[] = []
    sup.subscribe(e => events.push(e))

    sup.reportFault(new Error('boom in the node'))
    await waitFor('the fault to stop the node', () => sup.state !== 'running')
    await assert.rejects(sup.call('nodeInfo', {}), { name: 'ServiceUnavailableError', code: 'unavailable' })
    await waitFor('the restart', () => sup.state === 'running')
    assert.equal(created, 2)
    assert.equal(sup.restarts, 1)
    assert.equal(faults.length, 1)
    assert.equal(faults[0]!.error.message, 'boom in the node')
    assert.equal(faults[0]!.attempt, 1)
    assert.equal(faults[0]!.retryInMs, 200)

    const afterRestart = await sup.call('nodeInfo', {})
    assert.equal(afterRestart.peerId, before.peerId, 'same profile, same identity')
    const src = await tempDir()
    await makeTree(join(src, 'pics'), { 'a.bin': 100_000 })
    const share = await sup.call('share', { path: join(src, 'pics') })
    await waitFor('share:added from the new node', () => events.some(e => e.type === 'share:added' && e.share.shareId === share.shareId))
    // Bad arguments still get node-core's typed error through the supervisor.
    await assert.rejects(sup.call('share', { path: '' }), { name: 'InvalidArgumentError' })
  })

  it('retries with back-off while the node cannot start (profile locked by another node), then runs', async () => {
    const profile = await tempDir()
    const holder = await createService(profile)
    services.push(holder)
    const faults: SupervisorFault[] = []
    const sup = new ServiceSupervisor({ create: () => createService(profile), policy: { initialDelayMs: 100, factor: 2, maxDelayMs: 400 }, onFault: f => faults.push(f) })
    supervisors.push(sup)
    await sup.start()
    assert.notEqual(sup.state, 'running')
    await waitFor('three failed starts', () => faults.length >= 3)
    assert.deepEqual(faults.slice(0, 3).map(f => [f.attempt, f.retryInMs]), [[1, 100], [2, 200], [3, 400]])
    await assert.rejects(sup.call('list', {}), { code: 'unavailable' })
    const running = sup.whenRunning(AbortSignal.timeout(60_000))
    await assert.rejects(sup.whenRunning(AbortSignal.timeout(1)), { name: 'TimeoutError' })
    await holder.stop()
    services.splice(services.indexOf(holder), 1)
    await running
    assert.equal(sup.state, 'running')
    const list = await sup.call('list', {})
    assert.deepEqual(list.downloads, [])
  })

  it('resets the back-off once a node has run for the stable time (2 minutes by default)', async () => {
    assert.equal(DEFAULT_RESTART_POLICY.stableAfterMs, 2 * 60_000)
    const profile = await tempDir()
    const faults: SupervisorFault[] = []
    const stableAfterMs = 3000
    const sup = new ServiceSupervisor({ create: () => createService(profile), policy: { initialDelayMs: 50, factor: 2, stableAfterMs }, onFault: f => faults.push(f) })
    supervisors.push(sup)
    let runningSince = 0
    const restartAfterFault = async (): Promise<void> => {
      sup.reportFault(new Error(`fault ${faults.length + 1}`))
      await waitFor('the fault to stop the node', () => sup.state !== 'running')
      await sup.whenRunning(AbortSignal.timeout(60_000))
      runningSince = Date.now()
    }
    await sup.start()
    runningSince = Date.now()
    await restartAfterFault() // may come after the stable time: the start above is not timed
    const first = faults[0]!.attempt
    await restartAfterFault() // at once after a restart: the back-off grows
    assert.equal(faults[1]!.attempt, first + 1)
    assert.equal(faults[1]!.retryInMs, 50 * 2 ** first)
    // Running for longer than the stable time: the next fault starts the back-off again.
    await waitFor('the stable time to pass', () => Date.now() - runningSince > stableAfterMs)
    await restartAfterFault()
    assert.deepEqual([faults[2]!.attempt, faults[2]!.retryInMs], [1, 50])
  })

  it('stop() ends it for good: no restart after a late fault, calls are refused', async () => {
    const profile = await tempDir()
    let created = 0
    const sup = new ServiceSupervisor({ create: async () => { created++; return await createService(profile) }, policy: { initialDelayMs: 50 } })
    supervisors.push(sup)
    // A control with the same policy that is not stopped: the same late fault restarts it. Its path
    // (stop a running node, wait 50 ms, create) is longer than the stopped one's would be (no node
    // to stop), so once the control has created its second node, a restart of the stopped one
    // would have begun too.
    const controlProfile = await tempDir()
    let controlCreated = 0
    const control = new ServiceSupervisor({ create: async () => { controlCreated++; return await createService(controlProfile) }, policy: { initialDelayMs: 50 } })
    supervisors.push(control)
    await sup.start()
    await control.start()
    await sup.stop()
    sup.reportFault(new Error('late'))
    control.reportFault(new Error('late'))
    await waitFor('the control to restart', () => controlCreated === 2 && control.state === 'running')
    assert.equal(sup.state, 'stopped')
    assert.equal(created, 1)
    await assert.rejects(sup.call('nodeInfo', {}), { name: 'ServiceUnavailableError', message: /stopped/ })
    await assert.rejects(sup.whenRunning(), { code: 'unavailable' })
  })

  it('an uncaught exception in the main process restarts the node instead of ending the process', async () => {
    const profile = await tempDir()
    const script = new URL('../fixtures/supervised-main.ts', import.meta.url).pathname
    const child = new JsonProcess(process.execPath, [script, profile, TEST_NETWORK])
    const result = await child.event('result', 90_000)
    assert.equal(await child.exited, 0, `child failed: ${child.stderr}`)
    const err = child.stderr
    assert.equal(result.fault, 'thrown from a node timer')
    assert.equal(result.restarts, 1)
    assert.equal(result.samePeer, true)
    assert.match(err, /uncaught exception in the main process/)
  })
})

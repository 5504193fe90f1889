/// <reference lib="dom" />
/**
 * Search in the app: Alice makes a share discoverable with the toggle on its card; Bob finds it
 * in the Search tab (results stream in), browses Alice from the result, downloads it with one
 * click, then browses Alice from the Peers view; then Send to… (by peer ID, then by address) with
 * Accept and Decline. Real daemons on a local DHT, real Chromium.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { killAll } from '../helpers/processes.ts'
import { daemons, DHT } from '../helpers/dht.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { ARTIFACTS, launchBrowser, watchPage } from './helpers/browser.ts'
import { startWebDaemon } from './helpers/daemon.ts'
import type { Browser, Page } from 'playwright-core'
import type { WebDaemon } from './helpers/daemon.ts'

describe('search, download and browse in the app', { timeout: 420_000 }, () => {
  let browser: Browser
  let alice: WebDaemon
  let bob: WebDaemon
  let alicePage: Page
  let bobPage: Page

  before(async () => {
    browser = await launchBrowser()
    const bootstrap = await daemons(3)
    alice = await startWebDaemon([...DHT, '--bootstrap', bootstrap[1]!])
    bob = await startWebDaemon([...DHT, '--bootstrap', bootstrap[2]!])
    alicePage = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    bobPage = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    watchPage(alicePage)
    watchPage(bobPage)
    await alicePage.goto(alice.url)
    await bobPage.goto(bob.url)
    await bobPage.getByRole('tab', { name: /Search/ }).waitFor()
  })

  after(async () => {
    try { await browser?.close() } finally {
      alice?.close()
      bob?.close()
      await killAll()
      await removeTemps()
    }
  })

  it('makes a share discoverable from its card, finds it from another node, downloads it, browses its peer', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'Summer trip'), { 'beach.jpg': 300_000, 'notes.txt': 1000 })
    await makeTree(join(src, 'Private summer'), { 'x.txt': 100 })
    const shared = await alice.call('share', { path: join(src, 'Summer trip') })
    const hidden = await alice.call('share', { path: join(src, 'Private summer') })
    await alicePage.getByRole('tab', { name: /Shares/ }).click()
    const card = alicePage.getByRole('article', { name: 'Share Summer trip' })
    const toggle = card.getByRole('checkbox', { name: /Discoverable by search/ })
    assert.equal(await toggle.isChecked(), false, 'hidden by default')
    const mark = alice.process.lines.length
    await toggle.check()
    await alice.process.waitFor(l => alice.process.lines.indexOf(l) >= mark && l.event === 'search:keywords' && l.pending === 0 && (l.published as number) > 0, 180_000)
    assert.equal((await alice.call('list', {})).shares.find(s => s.shareId === shared.shareId)?.discoverable, true)

    await bobPage.getByRole('tab', { name: /Search/ }).click()
    await bobPage.getByRole('searchbox', { name: 'Search discoverable shares' }).fill('summer')
    await bobPage.getByRole('button', { name: 'Search', exact: true }).click()
    const result = bobPage.locator(`li.result[data-share-id="${shared.shareId}"]`)
    await result.waitFor({ timeout: 90_000 })
    await bobPage.getByText(/share.? from \d+ of \d+ peers? asked/).waitFor({ timeout: 90_000 })
    assert.equal(await bobPage.locator(`li.result[data-share-id="${hidden.shareId}"]`).count(), 0, 'the hidden share is not found')
    assert.match(await result.innerText(), /Summer trip[\s\S]*2 files[\s\S]*1 peer/)
    await bobPage.screenshot({ path: join(ARTIFACTS, 'search-results.png') })
    // Browse the result's holder: Alice's discoverable shares replace the results (the hidden one is not there).
    await result.getByRole('button', { name: `Browse the shares of peer ${alice.peerId}` }).click()
    await bobPage.getByText(/Shares of peer .*: 1 discoverable share$/).waitFor({ timeout: 60_000 })
    assert.equal(await bobPage.locator('li.result').count(), 1)
    assert.equal(await bobPage.locator(`li.result[data-share-id="${hidden.shareId}"]`).count(), 0)
    await result.getByRole('button', { name: 'Download' }).click()
    await bobPage.getByRole('article', { name: 'Download Summer trip' }).getByText('Complete', { exact: true }).waitFor({ timeout: 120_000 })

    await bobPage.getByRole('tab', { name: /Peers/ }).click()
    await bobPage.locator(`tr[data-peer-id="${alice.peerId}"]`).getByRole('button', { name: /Browse/ }).click()
    await bobPage.getByText(/Shares of peer .*: 1 discoverable share$/).waitFor({ timeout: 60_000 })
    assert.equal(await bobPage.locator(`li.result[data-share-id="${shared.shareId}"]`).count(), 1)
    // Alice is connected but was not found by mDNS (the test nodes run none): she is not Nearby.
    assert.equal(await bobPage.locator('li.device').count(), 0)
    await bobPage.getByText(/No other Swarmdrop found on your local network yet/).waitFor({ timeout: 10_000 })
  })

  it('sends a share to a peer: the receiver sees the offer and chooses Accept or Decline', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'Winter'), { 'snow.jpg': 200_000 })
    await makeTree(join(src, 'Spring'), { 'rain.txt': 2000, 'b/sun.txt': 10 })
    const winter = await alice.call('share', { path: join(src, 'Winter') })
    const spring = await alice.call('share', { path: join(src, 'Spring') })
    await alice.call('nodeInfo', {})
    await alicePage.getByRole('tab', { name: /Shares/ }).click()

    const bobAt = (await bob.call('nodeInfo', {})).addresses.find(a => a.includes('/127.0.0.1/'))!
    const send = async (name: string, to: string): Promise<void> => {
      const card = alicePage.getByRole('article', { name: `Share ${name}` })
      await card.getByRole('button', { name: 'Send to…' }).click()
      await card.getByLabel('Peer ID').fill(to)
      await card.getByRole('button', { name: 'Send', exact: true }).click()
      await alicePage.getByText(`Offered ${name} to`).waitFor({ timeout: 30_000 })
    }
    await send('Winter', bob.peerId)
    const offer = bobPage.getByRole('group', { name: 'Offer of Winter' })
    await offer.waitFor({ timeout: 30_000 })
    assert.match(await offer.innerText(), /wants to send you Winter \(.*, 1 file\)/)
    assert.equal((await bob.call('list', {})).downloads.some(d => d.shareId === winter.shareId), false, 'nothing before Accept')
    await bobPage.screenshot({ path: join(ARTIFACTS, 'send-offer.png') })
    await offer.getByRole('button', { name: 'Accept' }).click()
    await bobPage.getByRole('article', { name: 'Download Winter' }).getByText('Complete', { exact: true }).waitFor({ timeout: 120_000 })

    await send('Spring', bobAt) // by its full address this time
    const second = bobPage.getByRole('group', { name: 'Offer of Spring' })
    await second.getByRole('button', { name: 'Decline' }).click()
    await second.waitFor({ state: 'detached', timeout: 10_000 })
    assert.equal((await bob.call('offers', {})).offers.length, 0)
    assert.equal((await bob.call('list', {})).downloads.some(d => d.shareId === spring.shareId), false, 'declined: no download')
  })
})

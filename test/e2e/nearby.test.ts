/// <reference lib="dom" />
/**
 * Nearby in the app: two hosts on one local network (two network namespaces joined by a veth pair,
 * made by this test as root), each running `swarmdrop daemon --web` with no DHT, no bootstrap and no
 * peer address, so mDNS is the only way they meet; a real Chromium runs inside each namespace and
 * opens its own host's web UI. Alice sees Bob's device under Nearby, browses its discoverable shares
 * (not the hidden one), downloads one, and sends Bob a share, which he accepts.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { lanUnavailable, makeLan } from '../helpers/lan.ts'
import { killAll } from '../helpers/processes.ts'
import { ARTIFACTS, launchBrowserIn, watchPage } from './helpers/browser.ts'
import type { Browser, Page } from 'playwright-core'
import type { Lan } from '../helpers/lan.ts'
import type { JsonProcess } from '../helpers/processes.ts'

const unavailable = lanUnavailable()

interface Host { daemon: JsonProcess, peerId: string, url: string, out: string, browser: Browser, page: Page, seen: ReturnType<typeof watchPage> }

describe('Nearby: devices on the local network, browse and send', { timeout: 420_000, skip: unavailable ?? false }, () => {
  let lan: Lan
  const hosts: Host[] = []
  let src: string

  /** Shares `name` in a new profile (the daemon started on it later seeds it), then the web daemon and a browser in host `i`'s namespace. */
  async function host (i: 0 | 1, shares: ReadonlyArray<{ name: string, discoverable: boolean }>): Promise<Host> {
    const repo = await tempDir()
    for (const s of shares) {
      const sharing = lan.swarmdrop(i, ['share', join(src, s.name), '--repo', repo, ...(s.discoverable ? ['--discoverable'] : []), '--no-mdns'])
      await sharing.event('shared')
      await sharing.kill()
    }
    const out = await tempDir()
    const daemon = lan.swarmdrop(i, ['daemon', '--web', '--web-port', '0', '--repo', repo, '--out', out])
    const peerId = String((await daemon.event('listening', 60_000)).peerId)
    const web = await daemon.event('web', 60_000)
    if (web.ui !== true) throw new Error('the daemon serves no UI: run npm run build:renderer first')
    const browser = await launchBrowserIn(lan.namespaces[i])
    const page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    const seen = watchPage(page)
    await page.goto(String(web.url))
    return { daemon, peerId, url: String(web.url), out, browser, page, seen }
  }

  before(async () => {
    lan = makeLan('near')
    src = await tempDir()
    await makeTree(join(src, 'Holiday photos'), { 'beach.jpg': 400_000, 'sub/dunes.jpg': 123_456 })
    await makeTree(join(src, 'Tax papers'), { 'a.pdf': 1000 })
    await makeTree(join(src, 'For Bob'), { 'letter.txt': 5000 })
    hosts.push(await host(0, [{ name: 'For Bob', discoverable: false }]))
    hosts.push(await host(1, [{ name: 'Holiday photos', discoverable: true }, { name: 'Tax papers', discoverable: false }]))
  })

  after(async () => {
    try {
      for (const h of hosts) await h.browser.close().catch(() => {})
    } finally {
      await killAll()
      lan?.remove()
      await removeTemps()
    }
  })

  it('lists the other device under Nearby and browses its discoverable shares only, then downloads one', async () => {
    const [alice, bob] = hosts as [Host, Host]
    await alice.page.getByRole('tab', { name: /Search/ }).click()
    const device = alice.page.locator(`li.device[data-peer-id="${bob.peerId}"]`)
    await device.waitFor({ timeout: 120_000 })
    assert.equal(await alice.page.locator(`li.device[data-peer-id="${alice.peerId}"]`).count(), 0, 'not ourselves')
    await bob.page.getByRole('tab', { name: /Settings/ }).click()
    const bobName = await bob.page.getByLabel(/^Your name/).inputValue({ timeout: 30_000 })
    assert.ok(bobName.length > 0)
    await device.getByText(bobName, { exact: true }).waitFor({ timeout: 30_000 })
    await alice.page.screenshot({ path: join(ARTIFACTS, 'nearby.png') })

    await device.getByRole('button', { name: /^Browse the shares of / }).click()
    await alice.page.getByText(/Shares of peer .*: 1 discoverable share$/).waitFor({ timeout: 60_000 })
    const results = alice.page.getByRole('list', { name: 'Results' })
    assert.match(await results.innerText(), /Holiday photos/)
    assert.doesNotMatch(await results.innerText(), /Tax papers/, 'the hidden share is not listed')
    await results.getByRole('button', { name: 'Download' }).click()
    await alice.page.getByRole('article', { name: 'Download Holiday photos' }).getByText('Complete', { exact: true }).waitFor({ timeout: 120_000 })
    assert.deepEqual(await treeHashes(join(alice.out, 'Holiday photos')), await treeHashes(join(src, 'Holiday photos')))
  })

  it('sends a share to the nearby device, which downloads it once its user accepts', async () => {
    const [alice, bob] = hosts as [Host, Host]
    await alice.page.getByRole('tab', { name: /Search/ }).click()
    const device = alice.page.locator(`li.device[data-peer-id="${bob.peerId}"]`)
    await device.getByRole('button', { name: /^Send a share to / }).click()
    const form = device.getByRole('form', { name: /^Send a share to / })
    await form.getByLabel('Share').selectOption({ label: 'For Bob' })
    await form.getByRole('button', { name: 'Send', exact: true }).click()
    await alice.page.getByText(/Offered For Bob to /).waitFor({ timeout: 30_000 })

    const offer = bob.page.getByRole('group', { name: 'Offer of For Bob' })
    await offer.waitFor({ timeout: 30_000 })
    assert.match(await offer.innerText(), /wants to send you For Bob \(.*, 1 file\)/)
    await offer.getByRole('button', { name: 'Accept' }).click()
    await bob.page.getByRole('article', { name: 'Download For Bob' }).getByText('Complete', { exact: true }).waitFor({ timeout: 120_000 })
    assert.deepEqual(await treeHashes(join(bob.out, 'For Bob')), await treeHashes(join(src, 'For Bob')))
    for (const h of hosts) assert.deepEqual(h.seen, { dialogs: [], errors: [] })
  })
})

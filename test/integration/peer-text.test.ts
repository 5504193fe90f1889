/**
 * Peer text is data, never control, against real processes on 127.0.0.1: a hostile peer whose
 * error message carries terminal escape sequences (a screen rewrite faking a "complete" line, a
 * window title, an OSC 52 clipboard write, an 8-bit CSI) and a U+202E, and hostile peers whose
 * manifests carry them in the share name or a file path. The CLI's stdout and stderr are captured
 * as bytes, in human and in --json mode: they must be valid UTF-8 with no ESC, BEL, C1, DEL, bidi
 * or other format character, and show the peer's text escaped.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'
import { CLI, JsonProcess, killAll, NODE_FLAGS, TEST_NETWORK } from '../helpers/processes.ts'

const HOSTILE = fileURLToPath(new URL('../helpers/hostile-peer.ts', import.meta.url))
/** Control characters other than a line break, DEL, C1, format characters (bidi, zero-width, …), separators. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u

const started = new Set<ChildProcess>()
afterEach(async () => {
  for (const c of started) if (c.exitCode == null && c.signalCode == null) c.kill('SIGKILL')
  started.clear()
  await killAll()
})
after(removeTemps)

interface Captured { code: number | null, stdout: Buffer, stderr: Buffer }

/** Runs `swarmdrop get` (human output, or --json) to its end and returns its output bytes. */
async function getBytes (link: string, peer: string, json: boolean): Promise<Captured> {
  const out = join(await tempDir(), 'downloads')
  await mkdir(out)
  const args = [...NODE_FLAGS, CLI, 'get', link, '--out', out, '--peer', peer, '--repo', await tempDir(), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--network', TEST_NETWORK, '--stall-timeout', '60', ...(json ? ['--json'] : [])]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  started.add(child)
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => { stdout.push(b) })
  child.stderr.on('data', (b: Buffer) => { stderr.push(b) })
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`get did not end within 120 s; stderr: ${Buffer.concat(stderr).toString()}`)) }, 120_000)
    child.on('exit', c => { clearTimeout(timer); resolve(c) })
  })
  assert.deepEqual(await readdir(out), [], 'nothing was written')
  return { code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) }
}

/** Asserts the bytes are valid UTF-8 (a raw 8-bit C1 byte is not) with no unsafe character; returns the text. */
function assertClean (bytes: Buffer, what: string): string {
  for (const byte of [0x1b, 0x07, 0x9b, 0x9d]) assert.equal(bytes.indexOf(byte), -1, `${what} holds byte 0x${byte.toString(16)}`)
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  const bad = UNSAFE.exec(text)
  assert.equal(bad, null, `${what} holds ${JSON.stringify(bad?.[0])}: ${JSON.stringify(text.slice(0, 2000))}`)
  return text
}

async function hostile (args: string[]): Promise<Record<string, unknown>> {
  const proc = new JsonProcess(process.execPath, [HOSTILE, ...args])
  return await proc.event('listening', 60_000)
}

describe('peer text reaches the terminal escaped', { timeout: 600_000 }, () => {
  it("a peer's error message with escape sequences and U+202E", async () => {
    const src = await tempDir()
    await makeTree(join(src, 'data'), { 'x.bin': 1000 })
    const peer = await hostile(['--mode', 'hostile-text', '--folder', join(src, 'data')])
    const address = (peer.addresses as string[])[0]!
    const link = `swarmdrop://${peer.shareId as string}`
    const [human, json] = await Promise.all([getBytes(link, address, false), getBytes(link, address, true)])

    assert.equal(human.code, 1)
    assertClean(human.stdout, 'human stdout')
    const stderr = assertClean(human.stderr, 'human stderr')
    assert.ok(stderr.includes('last error: busy\\u{1B}[2K\\rcomplete: 100%\\u{1B}]0;pwned\\u{7}\\u{1B}]52;c;cm0gLXJmIH4=\\u{7}\\u{9B}31m invoice\\u{202E}txt.exe'), stderr)
    assert.ok(!/^swarmdrop: fake line/m.test(stderr), 'the line break in the message started no line of its own')

    assert.equal(json.code, 1)
    assertClean(json.stderr, 'json stderr')
    const lines = assertClean(json.stdout, 'json stdout').trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
    const error = lines.find(l => l.event === 'error')
    assert.ok(error != null, 'an error line')
    assert.equal(error.code, 'unreachable')
    const message = error.message as string
    assert.equal(UNSAFE.test(message), false, 'the parsed message holds no unsafe character either')
    assert.ok(message.includes('invoice\\u{202E}txt.exe\\nswarmdrop: fake line'), message)
  })

  it('manifest names and paths with U+202E, a screen rewrite, a title and an OSC 52 clipboard write', async () => {
    const src = await tempDir()
    await makeTree(join(src, 'data'), { 'x.bin': 1000 })
    const cases = ['rlo-name', 'rlo-path', 'ansi-name', 'osc52-path']
    const peer = await hostile(['--mode', 'evil-manifest', '--folder', join(src, 'data'), ...cases.flatMap(c => ['--case', c])])
    const address = (peer.addresses as string[])[0]!
    const ids = peer.shareIds as Record<string, string>
    const shown: Record<string, string> = {
      'rlo-name': 'invoice\\u202etxt.exe',
      'rlo-path': 'photo\\u202egpj.exe',
      'ansi-name': 'x\\u001b[2K\\u000dcomplete\\u001b]0;pwned\\u0007',
      'osc52-path': 'a\\u001b]52;c;cm0gLXJmIH4=\\u0007\\u009b2K'
    }
    for (const c of cases) {
      const link = `swarmdrop://${ids[c]!}`
      const [human, json] = await Promise.all([getBytes(link, address, false), getBytes(link, address, true)])
      assert.equal(human.code, 1, c)
      assertClean(human.stdout, `${c}: human stdout`)
      const stderr = assertClean(human.stderr, `${c}: human stderr`)
      assert.ok(stderr.includes(shown[c]!), `${c}: ${stderr}`)
      assert.equal(json.code, 1, c)
      assertClean(json.stderr, `${c}: json stderr`)
      const lines = assertClean(json.stdout, `${c}: json stdout`).trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
      const error = lines.find(l => l.event === 'error')
      assert.equal(error?.code, 'invalid-manifest', c)
      assert.ok((error.message as string).includes(shown[c]!), `${c}: ${String(error.message)}`)
    }
  })
})

/**
 * A file over 4 GiB end to end (real processes on 127.0.0.1): a sparse file of 4.5 GiB + 12,345
 * bytes with non-zero regions straddling 2^32 and at the end is shared, downloaded, the download
 * SIGKILLed once it has verified more than 4 GiB, resumed, and the result compared byte for byte
 * (SHA-256 of both files). Prints the times and writes bench/results/large-file.json.
 * Too slow for `npm test` (several minutes on a loaded 2-core machine); the exact offsets are
 * tested there by test/unit/large-file.test.ts.
 * Usage: node bench/large-file.ts [--gib 4.5]
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { removeTemps, tempDir } from '../test/helpers/files.ts'
import { killAll, swarmdrop } from '../test/helpers/processes.ts'

const { values } = parseArgs({ options: { gib: { type: 'string' } } })
const SIZE = Math.round(Number(values.gib ?? 4.5) * 2 ** 30) + 12_345
const TWO_32 = 2 ** 32

/** Creates a sparse file of SIZE bytes with a few non-zero regions around 2^32 and at the end. */
async function sparseFile (path: string): Promise<void> {
  const fh = await open(path, 'w')
  try {
    await fh.truncate(SIZE)
    for (const [at, n] of [[TWO_32 - 1000, 2000], [TWO_32 + 2 ** 20 + 7, 5000], [SIZE - 777, 777], [12, 100]] as const) {
      const data = createHash('sha256').update(String(at)).digest()
      const buf = Buffer.alloc(n)
      for (let i = 0; i < n; i++) buf[i] = data[i % data.length]!
      await fh.write(buf, 0, n, at)
    }
  } finally {
    await fh.close()
  }
}

async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10

try {
  const src = await tempDir()
  await mkdir(join(src, 'big'))
  const file = join(src, 'big', 'huge.bin')
  await sparseFile(file)
  let t = performance.now()
  const seeder = swarmdrop(['share', join(src, 'big'), '--repo', await tempDir()])
  const shared = await seeder.event('shared', 600_000)
  const shareSeconds = seconds(performance.now() - t)
  console.log(`shared ${SIZE} bytes in ${shareSeconds} s (${shared.chunkCount} chunks of ${shared.chunkSize})`)
  const out = await tempDir()
  const repo = await tempDir()
  t = performance.now()
  const first = swarmdrop(['get', shared.link as string, '--out', out, '--repo', repo, '--allow-private'])
  const crossed = await first.waitFor(l => l.event === 'progress' && (l.verifiedBytes as number) > TWO_32 + 2 ** 20, 1_200_000)
  await first.kill('SIGKILL')
  const firstSeconds = seconds(performance.now() - t)
  console.log(`killed the download at ${crossed.verifiedBytes} verified bytes after ${firstSeconds} s`)
  t = performance.now()
  const second = swarmdrop(['get', shared.link as string, '--out', out, '--repo', repo, '--allow-private'])
  const resumedAt = await second.waitFor(l => l.event === 'progress' && typeof l.chunkCount === 'number', 120_000)
  const complete = await second.event('complete', 1_200_000)
  const secondSeconds = seconds(performance.now() - t)
  const fetched = (complete.sources as Array<{ bytes: number }>).reduce((s, x) => s + x.bytes, 0)
  console.log(`resumed at ${resumedAt.verifiedBytes} bytes, fetched ${fetched} more, complete after ${secondSeconds} s`)
  const [a, b] = await Promise.all([sha256File(file), sha256File(join(out, 'big', 'huge.bin'))])
  const result = {
    size: SIZE,
    chunkSize: shared.chunkSize,
    shareSeconds,
    killedAtBytes: crossed.verifiedBytes,
    firstRunSeconds: firstSeconds,
    resumedAtBytes: resumedAt.verifiedBytes,
    fetchedAfterResume: fetched,
    exactResume: fetched === SIZE - (resumedAt.verifiedBytes as number),
    secondRunSeconds: secondSeconds,
    identical: a === b,
    sha256: a
  }
  console.log(JSON.stringify(result, null, 2))
  await mkdir(new URL('results/', import.meta.url), { recursive: true })
  await writeFile(new URL('results/large-file.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2) + '\n')
  if (!result.identical || !result.exactResume) process.exitCode = 1
} finally {
  await killAll()
  await removeTemps()
}

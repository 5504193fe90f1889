/**
 * Worker thread: hashes byte ranges of files chunk by chunk, streaming through one reusable buffer,
 * so hashing never holds a whole file in memory and never blocks the main event loop.
 * It imports nothing of the project's: the packaged desktop app unpacks this file alone beside
 * the asar (electron/build.ts). Its errors cross to the pool as text and become SwarmdropErrors
 * there (hash-pool.ts).
 */
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { parentPort } from 'node:worker_threads'
import type { HashJob, HashResult } from './hash-pool.ts'

if (parentPort == null) throw new Error('hash-worker must run as a worker thread')
const port = parentPort
let buffer = Buffer.alloc(0)

port.on('message', (job: HashJob) => {
  run(job).then(
    result => { port.postMessage(result, [result.hashes.buffer as ArrayBuffer]) },
    (err: Error) => { port.postMessage({ id: job.id, error: err.message, hashes: new Uint8Array(0) } satisfies HashResult) }
  )
})

async function run (job: HashJob): Promise<HashResult> {
  if (buffer.length < job.chunkSize) buffer = Buffer.alloc(job.chunkSize)
  let chunks = 0
  for (const r of job.ranges) chunks += Math.ceil((r.end - r.start) / job.chunkSize)
  const hashes = new Uint8Array(chunks * 32)
  let out = 0
  for (const range of job.ranges) {
    const fh = await open(range.file, 'r')
    try {
      for (let pos = range.start; pos < range.end; pos += job.chunkSize) {
        const want = Math.min(job.chunkSize, range.end - pos)
        let got = 0
        while (got < want) {
          const { bytesRead } = await fh.read(buffer, got, want - got, pos + got)
          if (bytesRead === 0) throw new Error(`${range.file} shrank while being hashed`)
          got += bytesRead
        }
        hashes.set(createHash('sha256').update(buffer.subarray(0, want)).digest(), out)
        out += 32
      }
    } finally {
      await fh.close()
    }
  }
  return { id: job.id, hashes }
}

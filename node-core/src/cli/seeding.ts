import { logger } from '../log/logger.ts'
import { SwarmdropError } from '../errors.ts'
import type { SwarmdropService } from '../index.ts'
import type { DownloadInfo } from '../contract/index.ts'

const log = logger('swarmdrop:cli')

/** A seeding limit's flag: a number >= 0 (0 = no limit), whole for minutes. */
export function numberFlag (value: string | undefined, flag: string, whole: boolean): number | undefined {
  if (value == null) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (whole && !Number.isInteger(n))) throw new SwarmdropError('usage', `${flag} takes ${whole ? 'a whole number of minutes' : 'a ratio such as 1.5'} (0 = no limit)`)
  return n
}

/** Resolves once a seeding limit stops the seeding of `shareId` (never, if none does). */
export async function seedingStopped (service: SwarmdropService, shareId: string): Promise<DownloadInfo> {
  return await new Promise(resolve => {
    const check = (d: DownloadInfo): void => { if (d.shareId === shareId && d.seedStopped != null && !d.seeding) { stop(); resolve(d) } }
    const stop = service.subscribe(e => { if ('download' in e) check(e.download) })
    service.call('list', {}).then(({ downloads }) => { for (const d of downloads) check(d) }, (err: unknown) => { log.error('list failed: %s', err) })
  })
}

/** What a seeding limit did, in words. */
export function seedStoppedText (d: DownloadInfo): string {
  const s = d.seedStopped
  if (s == null) return ''
  return s.reason === 'ratio' ? `seeding stopped: ratio ${s.ratio.toFixed(2)} reached` : `seeding stopped: seeded ${s.seedingMinutes} min`
}

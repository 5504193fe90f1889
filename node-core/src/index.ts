/**
 * `swarmdrop/node`: what a host process needs to run a Swarmdrop node (the Electron main process,
 * or another embedder): the service, its options from a profile, and the profile's default folder.
 * Everything a front end says to the node goes through the contract (`swarmdrop/contract`).
 */
export { SwarmdropService } from './service/service.ts'
export type { SwarmdropServiceOptions } from './service/service.ts'
export { loadServiceOptions, serviceOptionsFrom } from './config/service-options.ts'
export { defaultProfileDir } from './config/paths.ts'
export { formatBytes, formatRate } from './bandwidth/units.ts'
export { logger } from './log/logger.ts'
export { openLogFile } from './log/log-file.ts'
export { logServiceEvents } from './log/event-log.ts'
export { parseRange } from './web/media-route.ts'
export type { MediaReader } from './web/media-route.ts'

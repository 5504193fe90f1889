/**
 * Stand-ins for the one boundary that cannot run here: the Electron binary (it cannot be
 * downloaded on these machines). Small in-memory versions of the few pieces of Electron's API the
 * shell's modules take as arguments: ipcMain / ipcRenderer joined in memory, a web contents, a
 * frame, an app with the single-instance lock. Everything else in the tests is real.
 */
import { EventEmitter } from 'node:events'

export interface StandInFrame { url: string, processId: number, routingId: number }

/** A session: records the permission handlers it is given. */
export class StandInSession {
  requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null
  checkHandler: ((...args: unknown[]) => boolean) | null = null
  setPermissionRequestHandler (handler: StandInSession['requestHandler']): void { this.requestHandler = handler }
  setPermissionCheckHandler (handler: StandInSession['checkHandler']): void { this.checkHandler = handler }
}

/** A web contents: records what was sent to it, emits 'destroyed'. */
export class StandInWebContents extends EventEmitter {
  static #nextId = 1
  readonly id = StandInWebContents.#nextId++
  readonly sent: Array<{ channel: string, args: unknown[] }> = []
  readonly mainFrame: StandInFrame
  readonly session = new StandInSession()
  #destroyed = false
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null

  constructor (url = 'app://swarmdrop/index.html') {
    super()
    this.mainFrame = { url, processId: 7, routingId: this.id }
  }

  send (channel: string, ...args: unknown[]): void { this.sent.push({ channel, args }) }
  isDestroyed (): boolean { return this.#destroyed }
  destroy (): void { this.#destroyed = true; this.emit('destroyed') }
  setWindowOpenHandler (handler: (details: { url: string }) => { action: string }): void { this.windowOpenHandler = handler }
}

export interface StandInEvent { sender: StandInWebContents, senderFrame: StandInFrame | null }

/** ipcMain: `handle` handlers by channel, `on` listeners as an EventEmitter. */
export class StandInIpcMain extends EventEmitter {
  readonly handlers = new Map<string, (event: StandInEvent, ...args: unknown[]) => unknown>()
  handle (channel: string, handler: (event: StandInEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
    this.handlers.set(channel, handler)
  }

  removeHandler (channel: string): void { this.handlers.delete(channel) }

  /** What `ipcRenderer.invoke` does: runs the handler with the sender's identity. */
  async invoke (event: StandInEvent, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel)
    if (handler == null) throw new Error(`No handler registered for '${channel}'`)
    // Electron passes arguments by structured clone.
    return structuredClone(await handler(event, ...structuredClone(args)))
  }
}

/**
 * ipcRenderer of one web contents, wired to a StandInIpcMain: `invoke`/`send` arrive there with
 * this contents as sender and its main frame as sender frame; `webContents.send` arrives here.
 */
export class StandInIpcRenderer extends EventEmitter {
  readonly #main: StandInIpcMain
  readonly contents: StandInWebContents
  /** The frame the messages claim to come from (a subframe, or null once navigated away). */
  frame: StandInFrame | null

  constructor (main: StandInIpcMain, contents: StandInWebContents) {
    super()
    this.#main = main
    this.contents = contents
    this.frame = contents.mainFrame
    const send = contents.send.bind(contents)
    contents.send = (channel: string, ...args: unknown[]) => {
      send(channel, ...args)
      this.emit(channel, { sender: this }, ...structuredClone(args))
    }
  }

  invoke (channel: string, ...args: unknown[]): Promise<unknown> {
    return this.#main.invoke({ sender: this.contents, senderFrame: this.frame }, channel, ...args)
  }

  send (channel: string, ...args: unknown[]): void {
    this.#main.emit(channel, { sender: this.contents, senderFrame: this.frame }, ...structuredClone(args))
  }
}

/** The part of `app` the single-instance module uses. */
export class StandInApp extends EventEmitter {
  readonly lock: boolean
  quitCalls = 0
  readonly protocolClients: unknown[][] = []
  readonly loginItems: unknown[] = []
  constructor (lock: boolean) { super(); this.lock = lock }
  requestSingleInstanceLock (): boolean { return this.lock }
  quit (): void { this.quitCalls++ }
  setAsDefaultProtocolClient (...args: unknown[]): boolean { this.protocolClients.push(args); return true }
  setLoginItemSettings (settings: unknown): void { this.loginItems.push(settings) }
}

/** An Electron-style event with preventDefault. */
export function standInEvent (): { preventDefault: () => void, defaultPrevented: boolean } {
  const e = { defaultPrevented: false, preventDefault () { e.defaultPrevented = true } }
  return e
}

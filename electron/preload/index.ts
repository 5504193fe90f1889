/**
 * The sandboxed preload (bundled to CommonJS): exposes exactly `window.swarmdrop` and nothing else.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { createBridge } from './bridge.ts'

contextBridge.exposeInMainWorld('swarmdrop', createBridge(ipcRenderer, webUtils))

export type { SwarmdropBridge } from './bridge.ts'

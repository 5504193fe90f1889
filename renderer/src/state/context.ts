/** The AppState, given to every component through Svelte's typed context. */
import { createContext } from 'svelte'
import type { AppState } from './app-state.svelte.ts'

export const [getAppState, setAppState] = createContext<AppState>()

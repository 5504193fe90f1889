/** Which code the `swarmdrop` command runs; see cli-entry.mjs. */
export declare const PACKAGE_ROOT: string
export declare const DEFAULT_BUNDLE_DIR: string
export declare function newestUnder (dir: string): number
export declare function bundleIsFresh (bundleDir: string, inputs: readonly string[]): boolean
export declare function bundleInputs (root?: string): string[]
export declare function cliEntry (env?: NodeJS.ProcessEnv, root?: string): { kind: 'bundle' | 'source', url: string }

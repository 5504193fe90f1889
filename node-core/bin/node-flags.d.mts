/** V8 flags every Swarmdrop node process runs with; see node-flags.mjs. */
export declare const NODE_FLAGS: readonly string[]

// V8 flags every Swarmdrop node process runs with (the CLI's shebang repeats them; so do `npm start`
// and the test and benchmark harnesses, which import this list). They can only be given when the
// process starts.
//
// --max-semi-space-size=4: V8's young generation is 4 MiB semi-spaces instead of Node 24's default
// of up to 16 MiB. A transfer allocates a stream of short-lived buffers and promises; with small
// semi-spaces each scavenge touches little memory. Measured on this 2-core machine, idle
// (docs/PERFORMANCE.md, "V8 young generation"): 1 -> 1 throughput 100 -> 136 MiB/s, CPU per MiB
// (both processes) 18.2 -> 12.6 ms; the 2 GiB / 4-source downloader's peak RSS 326 -> 240 MiB.
export const NODE_FLAGS = ['--max-semi-space-size=4']

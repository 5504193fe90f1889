/**
 * Property and fuzz tests of the web UI's input handling (node-core/src/web): the WebSocket frame
 * reader feeding `parseCommand`, the static-path mapper, and the Host/Origin guard. Any input is
 * answered (a call, a typed refusal), never thrown on; nothing outside the static folder is ever
 * named; only our own loopback Host and Origin pass.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { InvalidArgumentError } from '../../node-core/src/errors.ts'
import { commandSchemas, parseCommand } from '../../node-core/src/contract/index.ts'
import { readCall } from '../../node-core/src/web/api-socket.ts'
import { allowedHosts, allowedOrigins, checkHostAndOrigin } from '../../node-core/src/web/request-guard.ts'
import { staticTarget } from '../../node-core/src/web/static-files.ts'
import { mutatedString } from '../helpers/arbitraries.ts'
import { fuzzParams, typedOrResult } from '../helpers/fuzz.ts'

const anyCodeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)), maxLength: 80 })

const callFrame = fc.record({
  type: fc.oneof(fc.constant('call'), fc.json()),
  id: fc.oneof(fc.nat(), fc.double(), fc.constant(2 ** 60), fc.string()),
  command: fc.oneof(fc.constantFrom(...Object.keys(commandSchemas)), fc.json()),
  args: fc.oneof(fc.constant({}), fc.jsonValue(), fc.constant({ __proto__: { polluted: 1 } }))
}, { requiredKeys: [] }).map(v => JSON.stringify(v))

describe('fuzz: web UI input', () => {
  it('reads any WebSocket frame as a call or an error with an integer id; calls then parse or fail with an InvalidArgumentError', () => {
    const text = fc.oneof(callFrame, mutatedString(callFrame), fc.json(), anyCodeUnits)
    fc.assert(fc.property(text, fc.boolean(), (s, binary) => {
      const r = readCall(Buffer.from(s, 'utf8'), binary)
      assert.ok(Number.isSafeInteger(r.id))
      if ('error' in r) { assert.equal(typeof r.error, 'string'); return }
      assert.equal(binary, false)
      typedOrResult(() => parseCommand(r.command, r.args), InvalidArgumentError)
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')
    }), fuzzParams())
  })

  it('maps any URL path to a file inside the static folder, an app route or a refusal', () => {
    const segment = fc.constantFrom('a', 'index.html', 'assets', 'x.js', '..', '.', '%2e%2e', '%2E.', '%2f', '%5c', '%00', '%', '%zz', '', '\\', '~', 'C:', '%252e%252e')
    const path = fc.oneof(fc.array(segment, { maxLength: 6 }).map(s => '/' + s.join('/')), mutatedString(fc.constant('/assets/index.js')), anyCodeUnits)
    fc.assert(fc.property(path, p => {
      const t = staticTarget(p)
      if (t.kind !== 'file') return
      const parts = t.relative.split('/')
      assert.ok(!t.relative.startsWith('/') && !t.relative.includes('\\'), t.relative)
      for (const part of parts) assert.ok(part !== '' && part !== '.' && part !== '..', `${p} -> ${t.relative}`)
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\x00-\x1f\x7f]/.test(t.relative))
    }), fuzzParams())
  })

  it('lets through only our own loopback Host and Origin', () => {
    const port = 7717
    const host = fc.oneof(fc.constantFrom(...allowedHosts(port)), mutatedString(fc.constantFrom(...allowedHosts(port))), fc.domain(), anyCodeUnits)
    const origin = fc.option(fc.oneof(fc.constantFrom(...allowedOrigins(port)), mutatedString(fc.constantFrom(...allowedOrigins(port))), fc.domain().map(d => `http://${d}`), fc.constant('null')), { nil: undefined })
    fc.assert(fc.property(host, origin, (h, o) => {
      const refusal = checkHostAndOrigin({ host: h, ...(o !== undefined ? { origin: o } : {}) }, port)
      const ok = allowedHosts(port).includes(h.toLowerCase()) && (o === undefined || allowedOrigins(port).includes(o.toLowerCase()))
      assert.equal(refusal === null, ok, `${h} / ${String(o)}`)
    }), fuzzParams())
  })
})

/**
 * Peer text is data, never control: the contract's displayText (the page) and node-core's
 * terminal forms (terminalText, terminalLines, terminalJson), the log and the renderer's peerText
 * never let a control character, an
 * escape sequence or a bidi / zero-width format character through, and bound the length.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { displayText, hasNonPrinting } from '../../node-core/src/contract/index.ts'
import { terminalJson, terminalLines, terminalText } from '../../node-core/src/text/peer-text.ts'
import { addLogSink, logger } from '../../node-core/src/log/logger.ts'
import type { LogLine } from '../../node-core/src/log/logger.ts'
import { addressWithoutPeer, peerText } from '../../renderer/src/lib/format.ts'
import { mutatedString } from '../helpers/arbitraries.ts'
import { fuzzParams } from '../helpers/fuzz.ts'

/** The oracle, written apart from the code under test: C0, DEL, C1, Cf, line/paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL_OR_FORMAT = /[\u0000-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u

function assertPrintable (s: string): void {
  assert.ok(!CONTROL_OR_FORMAT.test(s), `holds ${JSON.stringify(CONTROL_OR_FORMAT.exec(s)?.[0])}: ${JSON.stringify(s)}`)
  assert.ok(s.isWellFormed(), `holds a lone surrogate: ${JSON.stringify(s)}`)
}

const HOSTILE = {
  screenRewrite: 'ok\x1b[2K\rcomplete: holiday (100%)',
  title: '\x1b]0;pwned\x07',
  clipboard: '\x1b]52;c;cm0gLXJmIH4=\x07',
  eightBitCsi: '\u009b2K\u009d0;title\u009c',
  dcs: '\x1bP1$r\x1b\\',
  rlo: 'invoice\u202Etxt.exe',
  isolates: 'a\u2066b\u2067c\u2068d\u2069e',
  zeroWidth: 'a\u200bb\u200cc\u200dd\u200ee\u200ff\ufeffg\u061ch',
  tag: 'flag\u{E0001}\u{E0067}',
  separators: 'line\u2028para\u2029',
  del: 'a\x7fb',
  loneSurrogate: 'a\ud800b\udc00'
}

const anyCodeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)), maxLength: 300 })
const anyText = fc.oneof(
  anyCodeUnits,
  fc.string({ unit: 'binary', maxLength: 300 }),
  mutatedString(fc.string({ maxLength: 60 })),
  fc.array(fc.constantFrom(...Object.values(HOSTILE), 'x', ' ', 'é', '\u{1f600}'), { maxLength: 20 }).map(a => a.join(''))
)

describe('displayText', () => {
  it('shows a right-to-left override escaped, so exe.txt reads as what it is', () => {
    assert.equal(displayText('exe\u202Etxt.'), 'exe\\u{202E}txt.')
    assert.equal(displayText(HOSTILE.rlo), 'invoice\\u{202E}txt.exe')
  })

  it('shows ANSI and OSC sequences as text: screen rewrite, window title, clipboard', () => {
    assert.equal(displayText(HOSTILE.screenRewrite), 'ok\\u{1B}[2K\\rcomplete: holiday (100%)')
    assert.equal(displayText(HOSTILE.title), '\\u{1B}]0;pwned\\u{7}')
    assert.equal(displayText(HOSTILE.clipboard), '\\u{1B}]52;c;cm0gLXJmIH4=\\u{7}')
    assert.equal(displayText(HOSTILE.dcs), '\\u{1B}P1$r\\u{1B}\\')
  })

  it('escapes the 8-bit C1 forms (CSI U+009B, OSC U+009D, ST U+009C) and DEL', () => {
    assert.equal(displayText(HOSTILE.eightBitCsi), '\\u{9B}2K\\u{9D}0;title\\u{9C}')
    assert.equal(displayText(HOSTILE.del), 'a\\u{7F}b')
  })

  it('escapes isolates, zero-width characters, tags, separators and lone surrogates', () => {
    assert.equal(displayText(HOSTILE.isolates), 'a\\u{2066}b\\u{2067}c\\u{2068}d\\u{2069}e')
    assert.equal(displayText(HOSTILE.zeroWidth), 'a\\u{200B}b\\u{200C}c\\u{200D}d\\u{200E}e\\u{200F}f\\u{FEFF}g\\u{61C}h')
    assert.equal(displayText(HOSTILE.tag), 'flag\\u{E0001}\\u{E0067}')
    assert.equal(displayText(HOSTILE.separators), 'line\\u{2028}para\\u{2029}')
    assert.equal(displayText(HOSTILE.loneSurrogate), 'a\\u{D800}b\\u{DC00}')
    assert.equal(displayText('a\nb\tc'), 'a\\nb\\tc')
  })

  it('keeps printable text as it is: accents, CJK, emoji, right-to-left scripts', () => {
    for (const s of ['holiday photos', 'café', '中文.txt', '\u{1f600}', 'שלום.txt', 'a\\b "c"']) assert.equal(displayText(s), s)
  })

  it('bounds the length without cutting an escape or a surrogate pair', () => {
    assert.equal(displayText('a'.repeat(20), 10), 'a'.repeat(9) + '…')
    assert.equal(displayText('abcdefgh\u202E', 12), 'abcdefgh…') // the 8-unit escape does not fit
    assert.equal(displayText('abcdefgh\u{1f600}x', 10), 'abcdefgh…')
    assert.equal(displayText('\u202E'.repeat(2000)).length <= 1024, true)
    assert.equal(displayText('x'.repeat(1024)), 'x'.repeat(1024))
  })

  it('property: the result holds no control, format or separator character and is bounded', () => {
    fc.assert(fc.property(anyText, fc.integer({ min: 1, max: 400 }), (text, max) => {
      const shown = displayText(text, max)
      assertPrintable(shown)
      assert.ok(shown.length <= max, `${shown.length} > ${max}`)
      assert.equal(hasNonPrinting(shown), false)
    }), fuzzParams())
  })

  it('property: text without non-printing characters, within the bound, is unchanged', () => {
    fc.assert(fc.property(anyText, text => {
      fc.pre(!hasNonPrinting(text))
      assert.equal(displayText(text, 400), text)
    }), fuzzParams())
  })
})

describe('terminalText, terminalLines, terminalJson', () => {
  it('quotes a peer message as one line: no line break of its own can fake a line of ours', () => {
    assert.equal(terminalText('refused\ncomplete: holiday'), 'refused\\ncomplete: holiday')
    assert.equal(terminalText(new Error('x\x1b[31m')), 'Error: x\\u{1B}[31m')
  })

  it('keeps our own line breaks and escapes everything else on each line', () => {
    assert.equal(terminalLines(`complete: x\n  ${HOSTILE.rlo}\n${HOSTILE.title}`), 'complete: x\n  invoice\\u{202E}txt.exe\n\\u{1B}]0;pwned\\u{7}')
  })

  it('writes JSON whose strings show non-printing characters escaped, at any depth, unbounded', () => {
    const message = Object.values(HOSTILE).join(' ')
    const line = terminalJson({ event: 'error', message, files: [{ path: 'x/\u202Eexe.txt' }], long: 'y'.repeat(5000), n: 1 })
    assertPrintable(line)
    const parsed = JSON.parse(line) as { message: string, files: Array<{ path: string }>, long: string, n: number }
    assertPrintable(parsed.message) // what `jq -r .message` would print
    assert.equal(parsed.message, displayText(message, Infinity))
    assert.equal(parsed.files[0]!.path, 'x/\\u{202E}exe.txt')
    assert.equal(parsed.long.length, 5000)
    assert.equal(parsed.n, 1)
  })

  it('property: every form is printable (terminalLines line by line, JSON strings once parsed too)', () => {
    fc.assert(fc.property(anyText, text => {
      assertPrintable(terminalText(text))
      const lines = terminalLines(text).split('\n')
      assert.equal(lines.length, text.split('\n').length) // only our own line breaks
      for (const line of lines) assertPrintable(line)
      const line = terminalJson({ text, nested: [text] })
      assertPrintable(line)
      const parsed = JSON.parse(line) as { text: string, nested: string[] }
      assertPrintable(parsed.text)
      assertPrintable(parsed.nested[0]!)
      if (!hasNonPrinting(text)) assert.equal(parsed.text, text)
    }), fuzzParams())
  })
})

describe('where peer text is shown', () => {
  it('a log line quoting a peer error is one printable line', () => {
    const lines: LogLine[] = []
    const remove = addLogSink(line => { lines.push(line) })
    try {
      logger('swarmdrop:test-peer-text').warn('peer %s refused: %s', 'p1', new Error(`${HOSTILE.screenRewrite}\n${HOSTILE.clipboard}${HOSTILE.rlo}`))
    } finally { remove() }
    assert.equal(lines.length, 1)
    assertPrintable(lines[0]!.text)
    assert.ok(lines[0]!.text.includes('\\u{1B}]52;c;'), lines[0]!.text)
  })

  it("the renderer's peerText uses the same rule as the terminal", () => {
    for (const s of Object.values(HOSTILE)) assert.equal(peerText(s), displayText(s))
    assert.equal(peerText('invoice\u202Etxt.exe'), 'invoice\\u{202E}txt.exe')
    assert.equal(addressWithoutPeer('/dns4/a\u202Eb/tcp/1/p2p/12D3x'), '/dns4/a\\u{202E}b/tcp/1')
  })
})

/// <reference lib="dom" />
/**
 * The renderer's small pure helpers for issue 13 part A: the name of a multi-item share, the plain
 * words for an error code, the remembered view.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cleanName, suggestedName, topLevelNames, underFolder } from '../../renderer/src/lib/share-name.ts'
import { plainError } from '../../renderer/src/lib/messages.ts'
import { rememberOpen, rememberView, rememberedView, wasOpen } from '../../renderer/src/lib/view-memory.ts'
import { RemoteError } from '../../node-core/src/contract/index.ts'

const file = (relativePath: string): { file: File, relativePath: string } => ({ file: new File(['x'], relativePath.split('/').at(-1)!), relativePath })

describe('share names', () => {
  it('one file or one folder keeps its name; several items get "first and N more"', () => {
    assert.equal(suggestedName([file('a.txt')]), null)
    assert.equal(suggestedName([file('album/1.jpg'), file('album/sub/2.jpg')]), null)
    assert.equal(suggestedName([file('a.txt'), file('b.txt'), file('c.txt')]), 'a.txt and 2 more')
    assert.equal(suggestedName([file('album/1.jpg'), file('album/2.jpg'), file('notes.txt')]), 'album and 1 more')
    assert.deepEqual(topLevelNames([file('x/1'), file('y'), file('x/2')]), ['x', 'y'])
  })

  it('puts the items under the chosen folder; a typed name loses slashes and control characters', () => {
    assert.deepEqual(underFolder([file('a.txt'), file('d/b.txt')], 'Trip').map(f => f.relativePath), ['Trip/a.txt', 'Trip/d/b.txt'])
    assert.equal(cleanName('  my/trip\u0007 2026  '), 'my trip 2026')
    assert.equal(cleanName('..'), '')
    assert.equal(cleanName('   '), '')
  })
})

describe('plain messages', () => {
  it('says it in plain words and keeps the service message as the detail', () => {
    const m = plainError(new RemoteError({ code: 'invalid-link', message: 'share ID "notacid" is not a CID' }))
    assert.match(m.text, /not a valid Swarmdrop link/)
    assert.equal(m.detail, 'share ID "notacid" is not a CID')
    assert.equal(plainError(new RemoteError({ code: 'some-new-code', message: 'x' })).text, 'That did not work.')
    assert.match(plainError(new RemoteError({ code: 'http-401', message: 'missing or wrong token' })).text, /token is wrong/)
    assert.equal(plainError(new Error('boom')).detail, 'boom')
  })
})

describe('the remembered view', () => {
  it('gives back a known view, else the default', () => {
    const store = new Map<string, string>()
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => { store.set(k, v) } }
    const views = ['shares', 'downloads', 'peers'] as const
    assert.equal(rememberedView(views, 'shares', storage), 'shares')
    rememberView('peers', storage)
    assert.equal(rememberedView(views, 'shares', storage), 'peers')
    rememberView('nonsense', storage)
    assert.equal(rememberedView(views, 'shares', storage), 'shares')
    assert.equal(rememberedView(views, 'downloads', null), 'downloads')
  })

  it('keeps which card parts are open', () => {
    const store = new Map<string, string>()
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => { store.set(k, v) } }
    assert.equal(wasOpen('files:a', storage), false)
    rememberOpen('files:a', true, storage)
    rememberOpen('qr:b', true, storage)
    assert.equal(wasOpen('files:a', storage), true)
    rememberOpen('files:a', false, storage)
    assert.equal(wasOpen('files:a', storage), false)
    assert.equal(wasOpen('qr:b', storage), true)
    store.set('swarmdrop.open', '{not json')
    assert.equal(wasOpen('qr:b', storage), false)
  })
})

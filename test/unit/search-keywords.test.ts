import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { foldText, keywordKey, keywords, MAX_KEYWORD_LENGTH, queryKeywords } from '../../node-core/src/search/keywords.ts'

describe('search keywords', () => {
  it('splits on everything but letters and digits, lower-cased, stop-words and 1-letter tokens dropped', () => {
    assert.deepEqual(keywords('The_Holiday-Photos (2024) of a Trip.JPG'), ['holiday', 'photos', '2024', 'trip', 'jpg'])
    assert.deepEqual(keywords('a b c x y'), [])
    assert.deepEqual(keywords(''), [])
    assert.deepEqual(keywords('éTé été ETE'), ['ete'], 'duplicates once')
  })

  it('folds diacritics and special Latin letters', () => {
    assert.deepEqual(keywords('Crème Brûlée'), ['creme', 'brulee'])
    assert.deepEqual(keywords('Straße Øresund Łódź Æther Œuvre'), ['strasse', 'oresund', 'lodz', 'aether', 'oeuvre'])
    assert.deepEqual(keywords('Ångström naïve'), ['angstrom', 'naive'])
    // Decomposed input (e + U+0301) folds the same as precomposed.
    assert.deepEqual(keywords('Cafe\u0301'), keywords('Café'))
  })

  it('applies NFKC: full-width and compatibility forms become plain', () => {
    assert.deepEqual(keywords('ＨＥＬＬＯ　ｗｏｒｌｄ'), ['hello', 'world'])
    assert.deepEqual(keywords('ﬁle'), ['file'], 'the fi ligature')
    assert.deepEqual(keywords('①②'), ['12'], 'circled digits are digits')
  })

  it('keeps other scripts whole, marks that are part of the word included', () => {
    assert.deepEqual(keywords('Москва ПРИВЕТ'), ['москва', 'привет'])
    assert.deepEqual(keywords('Ελληνικά'), ['ελληνικα'], 'Greek accents fold too')
    assert.deepEqual(keywords('हिन्दी फ़िल्म'), ['हिन्दी', 'फ़िल्म'], 'Devanagari vowel signs, virama and nukta are part of the word')
    assert.deepEqual(keywords('東京 写真'), ['東京', '写真'])
    assert.deepEqual(keywords('日'), [], 'one character, even an ideograph, is dropped')
  })

  it('treats control, format and emoji characters as separators', () => {
    assert.deepEqual(keywords('evil\u202Etxt.exe'), ['evil', 'txt', 'exe'])
    assert.deepEqual(keywords('zero\u200Bwidth'), ['zero', 'width'])
    assert.deepEqual(keywords('party🎉time'), ['party', 'time'])
  })

  it('cuts a very long token', () => {
    const [k] = keywords('x'.repeat(500))
    assert.equal([...k!].length, MAX_KEYWORD_LENGTH)
  })

  it('orders query keywords longest first and caps them', () => {
    assert.deepEqual(queryKeywords('the holiday in Rome 2024'), ['holiday', 'rome', '2024'])
    assert.equal(queryKeywords('aa bb cc dd ee ff gg hh ii jj').length, 8)
  })

  it('derives a raw CIDv1 key per keyword, the same for folded forms', async () => {
    const key = await keywordKey('holiday')
    const cid = CID.parse(key)
    assert.equal(cid.version, 1)
    assert.equal(cid.code, 0x55)
    assert.notEqual(key, await keywordKey('holidays'))
    assert.equal(await keywordKey(keywords('HOLIDAY')[0]!), key)
    assert.equal(foldText('ÉCOLE'), 'ecole')
  })
})

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { bytesInput, ChunkInput } from './input.ts'

const text = (chunk: Uint8Array) => Buffer.from(chunk).toString('latin1')

/** A ChunkInput over `parts`, counting how many chunks the source handed out. */
function inputOf(parts: string[], beforeFirstRead?: () => void) {
  const state = { pulled: 0, opened: false }
  const source = {
    async *[Symbol.asyncIterator]() {
      state.opened = true
      for (const part of parts) {
        state.pulled++
        yield Buffer.from(part, 'latin1')
      }
    },
  }
  return { input: new ChunkInput(source, beforeFirstRead), state }
}

describe('ChunkInput.read', () => {
  test('read(n) gives exactly n bytes across chunk boundaries, fewer only at the end', async () => {
    const { input } = inputOf(['ab', 'cde', 'f', 'ghij'])
    assert.equal(text(await input.read(3)), 'abc')
    assert.equal(text(await input.read(3)), 'def')
    assert.equal(text(await input.read(1)), 'g')
    assert.equal(text(await input.read(10)), 'hij')
    assert.equal((await input.read(1)).length, 0)
    assert.equal((await input.read()).length, 0)
  })

  test('read(n) pulls only the chunks it needs', async () => {
    const { input, state } = inputOf(['abc', 'def', 'ghi'])
    await input.read(4)
    assert.equal(state.pulled, 2)
  })

  test('read() with no size, undefined, null or a negative size reads the rest', async () => {
    for (const size of [undefined, null, -1]) {
      const { input } = inputOf(['ab', 'cd', 'ef'])
      await input.read(1)
      assert.equal(text(await input.read(size as number | undefined)), 'bcdef', String(size))
    }
  })

  test('read(0) returns nothing and does not start reading the body', async () => {
    let continued = 0
    const { input, state } = inputOf(['abc'], () => continued++)
    assert.equal((await input.read(0)).length, 0)
    assert.equal(continued, 0)
    assert.equal(state.opened, false)
  })

  test('a size that is not an integer is refused', async () => {
    const { input } = inputOf(['abc'])
    await assert.rejects(input.read(1.5), TypeError)
  })

  test('empty chunks from the source are skipped', async () => {
    const { input } = inputOf(['', 'a', '', '', 'b', ''])
    assert.equal(text(await input.read(2)), 'ab')
    assert.equal((await input.read()).length, 0)
  })

  test('a source error rejects the read, and every later one: a cut body never looks complete', async () => {
    const source = {
      async *[Symbol.asyncIterator]() {
        yield Buffer.from('a\n')
        throw new Error('aborted')
      },
    }
    const input = new ChunkInput(source)
    assert.equal(text(await input.readline()), 'a\n')
    await assert.rejects(input.read(), /aborted/)
    await assert.rejects(input.read(1), /aborted/)
    await assert.rejects(input.readline(), /aborted/)
    await assert.rejects(input.readlines(), /aborted/)
    await assert.rejects(async () => {
      for await (const _ of input);
    }, /aborted/)
  })
})

describe('ChunkInput.readline', () => {
  test('lines split across chunks, the last without a newline', async () => {
    const { input } = inputOf(['ab\ncd', 'e', '\n', 'fg'])
    const lines = [await input.readline(), await input.readline(), await input.readline()]
    assert.deepEqual(lines.map(text), ['ab\n', 'cde\n', 'fg'])
    assert.equal((await input.readline()).length, 0)
  })

  test('a newline at the very end of a chunk', async () => {
    const { input } = inputOf(['abc\n', 'def\n'])
    assert.equal(text(await input.readline()), 'abc\n')
    assert.equal(text(await input.readline()), 'def\n')
  })

  test('readline(limit) cuts long lines and keeps the rest for the next call', async () => {
    const { input } = inputOf(['abcd', 'ef\ng', 'h\n'])
    assert.equal(text(await input.readline(4)), 'abcd')
    assert.equal(text(await input.readline(4)), 'ef\n')
    assert.equal(text(await input.readline(10)), 'gh\n')
  })

  test('readline(limit) with the newline exactly at the limit', async () => {
    const { input } = inputOf(['abc\ndef'])
    assert.equal(text(await input.readline(4)), 'abc\n')
    assert.equal(text(await input.readline(4)), 'def')
  })

  test('readline(limit) does not wait for more data than the limit', async () => {
    const { input, state } = inputOf(['abcdef', 'gh\n'])
    assert.equal(text(await input.readline(3)), 'abc')
    assert.equal(state.pulled, 1)
  })

  test('readline(0) returns nothing', async () => {
    const { input } = inputOf(['abc\n'])
    assert.equal((await input.readline(0)).length, 0)
    assert.equal(text(await input.readline()), 'abc\n')
  })

  test('a line spread over many one-byte chunks', async () => {
    const { input } = inputOf([...'x'.repeat(1000), '\n', 'y'])
    assert.equal(text(await input.readline()), 'x'.repeat(1000) + '\n')
    assert.equal(text(await input.readline()), 'y')
  })
})

describe('ChunkInput.readlines', () => {
  test('returns every remaining line', async () => {
    const { input } = inputOf(['a\nb', 'c\n\nd'])
    await input.read(1)
    assert.deepEqual((await input.readlines()).map(text), ['\n', 'bc\n', '\n', 'd'])
  })

  test('readlines(hint) stops once the lines reach hint bytes', async () => {
    const { input } = inputOf(['aa\nbb\ncc\ndd\n'])
    assert.deepEqual((await input.readlines(4)).map(text), ['aa\n', 'bb\n'])
    assert.deepEqual((await input.readlines()).map(text), ['cc\n', 'dd\n'])
  })

  test('at the end: an empty list', async () => {
    const { input } = inputOf([])
    assert.deepEqual(await input.readlines(), [])
  })
})

describe('ChunkInput iteration', () => {
  test('yields the chunks as they come', async () => {
    const { input } = inputOf(['ab', 'cd'])
    const chunks: string[] = []
    for await (const chunk of input) chunks.push(text(chunk))
    assert.deepEqual(chunks, ['ab', 'cd'])
  })

  test('after partial reads: the buffered rest first, then the remaining chunks', async () => {
    const { input } = inputOf(['abc', 'def', 'ghi'])
    assert.equal(text(await input.read(4)), 'abcd')
    const chunks: string[] = []
    for await (const chunk of input) chunks.push(text(chunk))
    assert.deepEqual(chunks, ['ef', 'ghi'])
    assert.equal((await input.read()).length, 0, 'nothing left after iterating')
  })

  test('after a readline that left part of a chunk', async () => {
    const { input } = inputOf(['a\nbc', 'd'])
    await input.readline()
    const chunks: string[] = []
    for await (const chunk of input) chunks.push(text(chunk))
    assert.deepEqual(chunks, ['bc', 'd'])
  })

  test('an empty body yields nothing', async () => {
    const { input } = inputOf(['', ''])
    for await (const chunk of input) assert.fail(`unexpected chunk ${text(chunk)}`)
  })
})

describe('ChunkInput lifecycle', () => {
  test('the source is opened and beforeFirstRead called once, on the first read only', async () => {
    let continued = 0
    const { input, state } = inputOf(['ab', 'cd'], () => continued++)
    assert.equal(state.opened, false)
    assert.equal(continued, 0)
    await input.read(1)
    await input.readline()
    await input.read()
    assert.equal(continued, 1)
    assert.equal(state.opened, true)
  })

  test('beforeFirstRead also runs before the first iteration or readlines', async () => {
    for (const use of ['iterate', 'readlines'] as const) {
      let continued = 0
      const { input } = inputOf(['a'], () => continued++)
      if (use === 'iterate') for await (const _ of input);
      else await input.readlines()
      assert.equal(continued, 1, use)
    }
  })
})

describe('bytesInput', () => {
  test('reads a string as UTF-8 and bytes as they are', async () => {
    assert.equal(Buffer.from(await bytesInput('é\n').read()).toString('utf8'), 'é\n')
    assert.deepEqual([...(await bytesInput(new Uint8Array([1, 2])).read())], [1, 2])
    assert.equal((await bytesInput().read()).length, 0)
  })
})

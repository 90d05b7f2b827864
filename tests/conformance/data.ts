/**
 * Deterministic test bodies, computed the same way by the app and by the test.
 * @module
 */
import { createHash } from 'node:crypto'

/** `size` bytes of text lines of varying length (0 to 120 characters before the `\n`). */
export function textLines(size: number): Buffer {
  const parts: string[] = []
  let length = 0
  for (let i = 0; length < size; i++) {
    const line = `${i}:${'abcdefghij'.repeat(12).slice(0, (i * 37) % 117)}\n`
    parts.push(line)
    length += line.length
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, size)
}

/** Bytes `offset` to `offset + size` of an endless pseudo-random byte stream (xorshift). */
export function noise(offset: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) {
    let x = Math.imul(offset + i + 1, 0x9e3779b1)
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

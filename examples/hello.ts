/**
 * The seed example: an app that greets and lists its environ, wrapped in a middleware that
 * points out every line mentioning vim.
 *
 *   npx tsgi examples/hello.ts          (the pre-fork server)
 *   npx tsx examples/hello.ts           (the simple server, on port 8000)
 *   curl -A vim localhost:8000/         → … HTTP_USER_AGENT:vim<---
 */
import { pathToFileURL } from 'node:url'
import { makeServer, mapBody, type Application, type Environ, type Middleware } from 'tsgi'

const encoder = new TextEncoder()

function* helloApp(
  environ: Environ,
  startResponse: Parameters<Application>[1]
): Iterable<Uint8Array> {
  startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']])
  yield encoder.encode('Heyo\n')
  for (const [key, value] of Object.entries(environ)) {
    yield encoder.encode(`${key}:${show(value)}\n`)
  }
}

/** Environ values as text: strings as they are, the rest by type. */
function show(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.join(',')
  if (typeof value === 'function') return `<function ${value.name}>`
  if (typeof value === 'object' && value !== null) return `<${value.constructor.name}>`
  return String(value)
}

const VIM = encoder.encode('vim')
const MARK = encoder.encode('<---')
const NEWLINE = 0x0a

/**
 * Marks every chunk that mentions vim with `<---` at the end of its line. mapBody keeps the
 * spec's close rules: the inner body is ended even if the client leaves before the first chunk.
 */
export const PointOutVimMiddleware: Middleware = (inner) =>
  async function (environ, startResponse) {
    const body = await inner(environ, startResponse)
    return mapBody(body, (chunk) => (indexOf(chunk, VIM) >= 0 ? addMark(chunk) : chunk))
  }

/** Inserts the mark before the chunk's trailing newline, or at its end when it has none. */
function addMark(chunk: Uint8Array): Uint8Array {
  const end = chunk[chunk.length - 1] === NEWLINE ? chunk.length - 1 : chunk.length
  const marked = new Uint8Array(chunk.length + MARK.length)
  marked.set(chunk.subarray(0, end))
  marked.set(MARK, end)
  marked.set(chunk.subarray(end), end + MARK.length)
  return marked
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).indexOf(needle)
}

export const app: Application = PointOutVimMiddleware(helloApp)

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = makeServer('127.0.0.1', 8000, app)
  await server.listen()
  console.log('Serving on http://127.0.0.1:8000/ (Ctrl-C to stop)')
  await server.serveForever()
}

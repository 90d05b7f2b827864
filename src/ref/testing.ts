/**
 * Running an app in memory, with no socket: the server side of the contract in a few lines,
 * for unit tests of apps and middleware (wsgiref's run_amock).
 * @module
 */
import { TsgiError } from './errors.ts'
import { setupTestingDefaults } from './util.ts'
import { checkHeaders, parseStatus } from '../core/rules.ts'
import type { Application, Chunk, Environ, HeaderList } from '../spec/types.ts'

export interface AppResult {
  status: string
  statusCode: number
  headers: HeaderList
  body: Uint8Array
  /** The body as UTF-8 text. */
  text: string
  /** How many times the body iterator was ended with return(), and close() called. */
  returned: number
  closed: number
}

/** Calls `app` once with a test environ (overrides merged in), collects and closes its body. */
export async function runApp(
  app: Application,
  overrides: Partial<Environ> = {}
): Promise<AppResult> {
  const environ = setupTestingDefaults({ ...overrides })
  let status: string | undefined
  let headers: HeaderList = []
  let sent = false
  const chunks: Chunk[] = []
  const collect = (chunk: Chunk) => {
    if (chunk.length > 0 && status === undefined)
      throw new TsgiError('TSGI_ERR_START_RESPONSE_MISSING')
    if (chunk.length > 0) sent = true
    chunks.push(chunk)
  }
  const startResponse = (s: string, h: HeaderList, excInfo?: unknown) => {
    if (excInfo !== undefined && sent) throw excInfo
    if (excInfo === undefined && status !== undefined)
      throw new TsgiError('TSGI_ERR_START_RESPONSE_TWICE')
    parseStatus(s)
    status = s
    headers = checkHeaders(h)
    return async (chunk: Chunk) => collect(chunk)
  }
  const body = await app(environ, startResponse)
  const counts = await drain(body, collect)
  if (status === undefined) throw new TsgiError('TSGI_ERR_START_RESPONSE_MISSING', 'the body ended')
  const bytes = Buffer.concat(chunks)
  return {
    status,
    statusCode: Number(status.slice(0, 3)),
    headers,
    body: bytes,
    text: bytes.toString('utf8'),
    ...counts,
  }
}

async function drain(
  body: Iterable<Chunk> | AsyncIterable<Chunk>,
  collect: (chunk: Chunk) => void
): Promise<{ returned: number; closed: number }> {
  const iterator =
    Symbol.asyncIterator in body ? body[Symbol.asyncIterator]() : body[Symbol.iterator]()
  let returned = 0
  let closed = 0
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      if (!(next.value instanceof Uint8Array)) throw new TsgiError('TSGI_ERR_CHUNK_TYPE')
      collect(next.value)
    }
  } finally {
    if (iterator.return) {
      returned++
      await iterator.return()
    }
    const close = (body as Partial<{ close(): unknown }>).close
    if (typeof close === 'function') {
      closed++
      await close.call(body)
    }
  }
  return { returned, closed }
}

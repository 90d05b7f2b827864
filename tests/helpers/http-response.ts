/**
 * A small HTTP/1.x response parser for raw-socket tests: it reads what the server put on the
 * wire (status line, headers in order, framing) so a test can assert exact bytes, and it tells
 * a complete body from one cut short.
 * @module
 */

export interface ParsedResponse {
  /** `HTTP/1.1` or `HTTP/1.0`. */
  version: string
  status: number
  reason: string
  /** Header lines in wire order, names as sent, values latin-1 decoded. */
  headers: Array<[string, string]>
  /** The body with chunked framing removed. */
  body: Buffer
  framing: 'none' | 'length' | 'chunked' | 'close'
  /** False when the connection ended before the body's framing said it would. */
  complete: boolean
  /** How many bytes of the stream this response took (head and body). */
  size: number
}

export interface ParseOptions {
  /** The response answers a HEAD request: no body whatever the headers say. */
  head?: boolean
  /** The connection has ended: a body still open counts as cut short. */
  eof?: boolean
}

/** The value of header `name` (case-insensitive), or undefined; repeats are joined by `, `. */
export function header(response: ParsedResponse, name: string): string | undefined {
  const values = headerValues(response, name)
  return values.length === 0 ? undefined : values.join(', ')
}

/** Every value of header `name`, in order. */
export function headerValues(response: ParsedResponse, name: string): string[] {
  const lower = name.toLowerCase()
  return response.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v)
}

/**
 * Parses the response at the start of `bytes`. Undefined when more bytes are needed: the head
 * is unfinished, or the body is and the connection is still open (`eof` false).
 */
export function parseResponse(
  bytes: Buffer,
  options: ParseOptions = {}
): ParsedResponse | undefined {
  const headEnd = bytes.indexOf('\r\n\r\n')
  if (headEnd < 0) return undefined
  const lines = bytes.subarray(0, headEnd).toString('latin1').split('\r\n')
  const match = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(lines[0]!)
  if (!match) throw new Error(`not an HTTP status line: ${JSON.stringify(lines[0])}`)
  const head = {
    version: match[1]!,
    status: Number(match[2]),
    reason: match[3]!,
    headers: lines.slice(1).map(splitHeader),
  }
  const rest = bytes.subarray(headEnd + 4)
  const body = readBody(head, rest, options)
  if (!body) return undefined
  return { ...head, ...body, size: headEnd + 4 + body.used }
}

/** Parses every response in `bytes`; `heads[i]` says whether response i answers a HEAD. */
export function parseResponses(
  bytes: Buffer,
  options: { heads?: boolean[]; eof?: boolean } = {}
): ParsedResponse[] {
  const responses: ParsedResponse[] = []
  let offset = 0
  let finals = 0
  while (offset < bytes.length) {
    const head = options.heads?.[finals] ?? false
    const response = parseResponse(bytes.subarray(offset), { head, eof: options.eof })
    if (!response) break
    responses.push(response)
    offset += response.size
    if (response.status >= 200) finals++
    if (!response.complete || response.framing === 'close') break
  }
  return responses
}

type Head = Pick<ParsedResponse, 'status' | 'headers'>
type BodyResult = Pick<ParsedResponse, 'body' | 'framing' | 'complete'> & { used: number }

function readBody(head: Head, rest: Buffer, options: ParseOptions): BodyResult | undefined {
  const eof = options.eof ?? false
  const noBody = options.head || head.status < 200 || head.status === 204 || head.status === 304
  if (noBody) return { body: Buffer.alloc(0), framing: 'none', complete: true, used: 0 }
  const te = headerOf(head, 'transfer-encoding')
  if (te !== undefined && /(^|,)\s*chunked\s*$/i.test(te)) return readChunked(rest, eof)
  const length = headerOf(head, 'content-length')
  if (length !== undefined) {
    const wanted = Number(length)
    if (rest.length >= wanted) {
      return { body: rest.subarray(0, wanted), framing: 'length', complete: true, used: wanted }
    }
    return eof ? { body: rest, framing: 'length', complete: false, used: rest.length } : undefined
  }
  return eof ? { body: rest, framing: 'close', complete: true, used: rest.length } : undefined
}

/** Decodes a chunked body; trailers are skipped. */
function readChunked(bytes: Buffer, eof: boolean): BodyResult | undefined {
  const parts: Buffer[] = []
  let offset = 0
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset)
    if (lineEnd < 0) return cutShort(parts, bytes.length, eof)
    const size = parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16)
    if (Number.isNaN(size)) throw new Error(`bad chunk size at byte ${offset}`)
    if (size === 0) {
      const end = bytes.indexOf('\r\n\r\n', lineEnd)
      if (end < 0) return cutShort(parts, bytes.length, eof)
      return { body: Buffer.concat(parts), framing: 'chunked', complete: true, used: end + 4 }
    }
    const dataEnd = lineEnd + 2 + size
    if (bytes.length < dataEnd + 2) {
      parts.push(bytes.subarray(lineEnd + 2, Math.min(dataEnd, bytes.length)))
      return cutShort(parts, bytes.length, eof)
    }
    parts.push(bytes.subarray(lineEnd + 2, dataEnd))
    offset = dataEnd + 2
  }
}

function cutShort(parts: Buffer[], used: number, eof: boolean): BodyResult | undefined {
  if (!eof) return undefined
  return { body: Buffer.concat(parts), framing: 'chunked', complete: false, used }
}

function headerOf(head: Head, name: string): string | undefined {
  return head.headers.find(([n]) => n.toLowerCase() === name)?.[1]
}

function splitHeader(line: string): [string, string] {
  const colon = line.indexOf(':')
  if (colon < 0) throw new Error(`not a header line: ${JSON.stringify(line)}`)
  return [line.slice(0, colon), line.slice(colon + 1).trim()]
}

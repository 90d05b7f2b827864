/**
 * An error page for development: the exception, its stack and the request, in the browser.
 * @module
 */
import { inspect } from 'node:util'
import { transformBody } from './body.ts'
import type { Application, Body, Chunk, Environ, StartResponse, Write } from '../spec/types.ts'

export interface ShowExceptionsOptions {
  /** The environ keys the page lists, when set. */
  environKeys?: readonly string[]
}

const DEFAULT_ENVIRON_KEYS = [
  'REQUEST_METHOD',
  'SCRIPT_NAME',
  'PATH_INFO',
  'QUERY_STRING',
  'SERVER_PROTOCOL',
  'HTTP_HOST',
  'SERVER_NAME',
  'SERVER_PORT',
  'REMOTE_ADDR',
]

const WARNING =
  'showExceptions is for development only: this page shows the internals of the application. ' +
  'Do not use it in production.'

/**
 * **For development only: never in production**, where the page would show anyone the
 * application's code paths, messages and request data.
 *
 * When `app` throws, on the call or while its body is read, before it produced any body byte,
 * answers `500 Internal Server Error` with an HTML page showing the error, its stack and a few
 * environ keys, and writes the error to `tsgi.errors`. It replaces a response the app already
 * started through the excInfo call of startResponse (spec §3.4). Once body bytes went out the
 * error is thrown on, and the server ends the connection (spec §5.3).
 *
 * @example
 * const served = process.env.NODE_ENV === 'development' ? showExceptions(app) : app
 */
export function showExceptions(app: Application, options: ShowExceptionsOptions = {}): Application {
  const keys = options.environKeys ?? DEFAULT_ENVIRON_KEYS
  return async function showExceptionsApp(environ, startResponse) {
    const guard = new ExceptionGuard(environ, startResponse, keys)
    let body: Body
    try {
      body = await app(environ, guard.startResponse)
    } catch (error) {
      return [guard.errorPage(error)]
    }
    return transformBody(body, (chunks) => guard.watch(chunks))
  }
}

/** One request: notes whether body bytes went out, and answers with the page if none did. */
class ExceptionGuard {
  readonly #environ: Environ
  readonly #start: StartResponse
  readonly #keys: readonly string[]
  #produced = false

  constructor(environ: Environ, start: StartResponse, keys: readonly string[]) {
    this.#environ = environ
    this.#start = start
    this.#keys = keys
  }

  /** The app's startResponse: the server's, with a `write` that counts bytes. */
  readonly startResponse: StartResponse = (status, headers, excInfo?) => {
    const write = this.#start(status, headers, excInfo)
    return (chunk) => this.#write(write, chunk)
  }

  #write(write: Write, chunk: Chunk): Promise<void> {
    if (chunk instanceof Uint8Array && chunk.length > 0) this.#produced = true
    return write(chunk)
  }

  /** The app's body, passed on chunk by chunk until it throws. */
  async *watch(chunks: AsyncIterable<Chunk>): AsyncGenerator<Chunk> {
    try {
      for await (const chunk of chunks) {
        if (chunk.length > 0) this.#produced = true
        yield chunk
      }
    } catch (error) {
      yield this.errorPage(error)
    }
  }

  /** The error page, after replacing the response; throws `error` on if that is too late. */
  errorPage(error: unknown): Chunk {
    if (this.#produced) throw error
    const page = Buffer.from(renderPage(error, this.#environ, this.#keys), 'utf8')
    // `undefined` would mean "no error" to startResponse (spec §3.4).
    const excInfo = error ?? new Error(`the application threw ${String(error)}`)
    this.#start(
      '500 Internal Server Error',
      [
        ['Content-Type', 'text/html; charset=utf-8'],
        ['Content-Length', String(page.length)],
        ['Cache-Control', 'no-store'],
      ],
      excInfo
    )
    this.#environ['tsgi.errors'].write(`showExceptions: ${describe(error)}\n`)
    return page
  }
}

function renderPage(error: unknown, environ: Environ, keys: readonly string[]): string {
  const rows = keys
    .filter((key) => environ[key] !== undefined)
    .map((key) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(show(environ[key]))}</td></tr>`)
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>500 ${escapeHtml(title(error))}</title></head>
<body>
<p><strong>${escapeHtml(WARNING)}</strong></p>
<h1>${escapeHtml(title(error))}</h1>
<pre>${escapeHtml(describe(error))}</pre>
<h2>Request</h2>
<table>${rows.join('\n')}</table>
</body>
</html>
`
}

function title(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `Thrown: ${show(error)}`
}

/** The stack with the error's cause and extra properties, as Node prints an uncaught error. */
function describe(error: unknown): string {
  return inspect(error, { depth: 4 })
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : inspect(value)
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!)
}

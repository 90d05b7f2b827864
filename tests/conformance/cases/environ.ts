/**
 * The environ (spec §4): CGI keys as latin-1 strings, PATH_INFO percent-decoded to bytes,
 * QUERY_STRING and RAW_URI as sent, headers as HTTP_* keys, and the tsgi.* values.
 * @module
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { requestText, type HeaderLines } from '../../helpers/raw.ts'
import type { SuiteContext } from '../context.ts'
import { expectLogged } from './errors.ts'

type Snapshot = Record<string, unknown>

/** Sends one raw request to an /environ path and returns the environ the app saw. */
async function environOf(
  ctx: SuiteContext,
  target: string,
  headers: HeaderLines = [],
  options: { method?: string; body?: string; version?: string } = {}
): Promise<Snapshot> {
  const request = requestText(
    options.method ?? 'GET',
    target,
    headers,
    options.body,
    options.version
  )
  const { responses } = await ctx.raw(request, { responses: 1 })
  const response = responses[0]
  assert.equal(response?.status, 200, response?.body.toString())
  return JSON.parse(response.body.toString('utf8')) as Snapshot
}

export function environCases(ctx: SuiteContext): void {
  describe('environ', () => {
    test('required keys and tsgi.* values', async () => {
      const env = await environOf(ctx, '/environ/basic')
      assert.equal(env.REQUEST_METHOD, 'GET')
      assert.equal(env.SCRIPT_NAME, '')
      assert.equal(env.PATH_INFO, '/environ/basic')
      assert.equal(env.QUERY_STRING, '')
      assert.equal(env.SERVER_PROTOCOL, 'HTTP/1.1')
      assert.deepEqual(env['tsgi.version'], [1, 0])
      assert.equal(env['tsgi.url_scheme'], 'http')
      assert.equal(env['tsgi.input'], true, 'read, readline, readlines and async iteration')
      assert.equal(env['tsgi.errors'], true, 'write, writelines and flush')
      assert.equal(env['tsgi.signal'], 'live')
      assert.equal(env['tsgi.file_wrapper'], 'function')
      assert.equal(env['tsgi.run_once'], false)
      for (const key of ['tsgi.multithread', 'tsgi.multiprocess'] as const) {
        assert.equal(typeof env[key], 'boolean', key)
      }
      const { multiprocess, multithread } = ctx.options
      if (multiprocess !== undefined) assert.equal(env['tsgi.multiprocess'], multiprocess)
      if (multithread !== undefined) assert.equal(env['tsgi.multithread'], multithread)
    })

    test('PATH_INFO is percent-decoded to one latin-1 character per byte, %2F included', async () => {
      const target = '/environ/a%20b/c%2Fd/%FF%e9/%C3%A9/%41%00'
      const env = await environOf(ctx, target)
      assert.equal(env.PATH_INFO, '/environ/a b/c/d/\xff\xe9/\xc3\xa9/A\x00')
      assert.equal(env.RAW_URI, target)
    })

    test('malformed percent escapes are left as they are', async () => {
      const env = await environOf(ctx, '/environ/100%/%zz/%4')
      assert.equal(env.PATH_INFO, '/environ/100%/%zz/%4')
    })

    test('QUERY_STRING and RAW_URI are exactly as sent', async () => {
      const target = '/environ/q%20x?a=%20b&c=d+e&%FF=%2F&&'
      const env = await environOf(ctx, target)
      assert.equal(env.PATH_INFO, '/environ/q x')
      assert.equal(env.QUERY_STRING, 'a=%20b&c=d+e&%FF=%2F&&')
      assert.equal(env.RAW_URI, target)
    })

    test('an empty query string', async () => {
      const env = await environOf(ctx, '/environ/q?')
      assert.equal(env.QUERY_STRING, '')
      assert.equal(env.PATH_INFO, '/environ/q')
    })

    test('an absolute-form target gives its path and query', async () => {
      const target = 'http://elsewhere.test/environ/absolute?x=1'
      const env = await environOf(ctx, target)
      assert.equal(env.PATH_INFO, '/environ/absolute')
      assert.equal(env.QUERY_STRING, 'x=1')
      assert.equal(env.RAW_URI, target)
    })

    test('headers become HTTP_* keys; repeats are joined; latin-1 bytes kept', async () => {
      const env = await environOf(ctx, '/environ/headers', [
        ['X-Multi', 'a'],
        ['x-MiXeD-cAsE', 'yes'],
        ['X-Multi', 'b'],
        ['Cookie', 'a=1'],
        ['Cookie', 'b=2'],
        ['X-Latin', 'caf\xe9 \xff'],
        ['Accept', 'text/plain'],
      ])
      assert.equal(env.HTTP_X_MULTI, 'a,b')
      assert.equal(env.HTTP_X_MIXED_CASE, 'yes')
      assert.equal(env.HTTP_COOKIE, 'a=1; b=2')
      assert.equal(env.HTTP_X_LATIN, 'caf\xe9 \xff')
      assert.equal(env.HTTP_ACCEPT, 'text/plain')
      assert.equal(env.HTTP_HOST, 'tsgi.test')
    })

    test('headers with an underscore in the name are dropped', async () => {
      const env = await environOf(ctx, '/environ/underscore', [
        ['X_Forwarded_For', '6.6.6.6'],
        ['X-Forwarded-For', '10.0.0.1'],
        ['Only_Underscore', 'x'],
      ])
      assert.equal(env.HTTP_X_FORWARDED_FOR, '10.0.0.1')
      assert.equal(env.HTTP_ONLY_UNDERSCORE, undefined)
      assert.ok(!Object.values(env).includes('6.6.6.6'), 'the underscore header is nowhere')
    })

    test('CONTENT_TYPE and CONTENT_LENGTH, without HTTP_ twins', async () => {
      const headers: HeaderLines = [['Content-Type', 'text/plain; charset=latin-1']]
      const env = await environOf(ctx, '/environ/post', headers, { method: 'POST', body: 'hello' })
      assert.equal(env.REQUEST_METHOD, 'POST')
      assert.equal(env.CONTENT_TYPE, 'text/plain; charset=latin-1')
      assert.equal(env.CONTENT_LENGTH, '5')
      assert.equal(env.HTTP_CONTENT_TYPE, undefined)
      assert.equal(env.HTTP_CONTENT_LENGTH, undefined)
    })

    test('no CONTENT_LENGTH without a body, nor with a chunked one', async () => {
      const plain = await environOf(ctx, '/environ/get')
      assert.ok(!plain.CONTENT_LENGTH, `CONTENT_LENGTH ${String(plain.CONTENT_LENGTH)}`)
      const chunked = await environOf(ctx, '/environ/chunked', [['Transfer-Encoding', 'chunked']], {
        method: 'POST',
        body: '0\r\n\r\n',
      })
      assert.ok(!chunked.CONTENT_LENGTH, `CONTENT_LENGTH ${String(chunked.CONTENT_LENGTH)}`)
      assert.equal(chunked.HTTP_TRANSFER_ENCODING, 'chunked')
    })

    // Spec §4.1 lets a server take these from Host or from its socket; both servers here use the
    // core, which takes Host first (the reference behaviour).
    test('SERVER_NAME and SERVER_PORT follow the Host header (reference behaviour)', async () => {
      const cases: Array<[host: string, name: string, port: string]> = [
        ['example.test:8080', 'example.test', '8080'],
        ['example.test', 'example.test', '80'],
        ['[::1]:9000', '[::1]', '9000'],
      ]
      for (const [host, name, port] of cases) {
        const env = await environOf(ctx, '/environ/host', [['Host', host]])
        assert.equal(env.SERVER_NAME, name, host)
        assert.equal(env.SERVER_PORT, port, host)
      }
    })

    test('without a Host header, SERVER_NAME and SERVER_PORT are the listening address', async () => {
      const env = await environOf(ctx, '/environ/no-host', [], { version: 'HTTP/1.0' })
      assert.equal(env.SERVER_PROTOCOL, 'HTTP/1.0')
      assert.equal(env.SERVER_NAME, ctx.host)
      assert.equal(env.SERVER_PORT, String(ctx.port))
      assert.equal(env.HTTP_HOST, undefined)
    })

    test('REMOTE_ADDR and REMOTE_PORT are the client socket', async () => {
      const connection = await ctx.connect()
      await connection.write(requestText('GET', '/environ/remote'))
      const response = await connection.readResponse()
      const env = JSON.parse(response.body.toString()) as Snapshot
      assert.equal(env.REMOTE_ADDR, '127.0.0.1')
      assert.equal(env.REMOTE_PORT, String(connection.localPort))
    })

    test('REQUEST_METHOD is passed through', async () => {
      for (const method of ['DELETE', 'OPTIONS', 'PATCH']) {
        const env = await environOf(ctx, '/environ/method', [], { method })
        assert.equal(env.REQUEST_METHOD, method)
      }
    })

    test('tsgi.errors reaches the error log', async () => {
      const marker = ctx.probes.newId('errors')
      const response = await ctx.request(`/errors/${marker}`)
      assert.equal(response.status, 200)
      await expectLogged(ctx, `tsgi.errors says ${marker} and more`)
    })
  })
}

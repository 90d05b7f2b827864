// Behind a proxy: which peers may say a request came over HTTPS (--forwarded-allow-ips), and
// with which headers (secureSchemeHeaders in a config file), for TSGI and fetch apps.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { tempDir } from '../helpers/temp-dir.ts'
import { FIXTURES, get, Tsgi } from './harness.ts'

const TSGI_APP = `${FIXTURES}prefork.ts`
const FETCH_APP = `${FIXTURES}fetch-prefork.ts`
const FROM_PROXY = { Host: 'shop.test', 'X-Forwarded-Proto': 'https' }

/** Starts tsgi on a loopback port with `args` and returns its URL once a worker serves. */
async function serving(t: TestContext, args: string[]): Promise<string> {
  const tsgi = await Tsgi.start(t, ['-b', '127.0.0.1:0', ...args])
  const url = await tsgi.url()
  await tsgi.readyWorkers(1)
  return url
}

test('a proxy on loopback sets the scheme by default; headers that disagree get a 400', async (t) => {
  const url = await serving(t, [TSGI_APP])
  assert.equal((await get(`${url}/scheme`, { headers: FROM_PROXY })).body, 'https')
  assert.equal((await get(`${url}/scheme`)).body, 'http')
  const contradictory = { ...FROM_PROXY, 'X-Forwarded-Ssl': 'off' }
  assert.equal((await get(`${url}/scheme`, { headers: contradictory })).status, 400)
})

test('a peer outside --forwarded-allow-ips cannot change the scheme', async (t) => {
  const url = await serving(t, ['--forwarded-allow-ips', '10.0.0.0/8', TSGI_APP])
  assert.equal((await get(`${url}/scheme`, { headers: FROM_PROXY })).body, 'http')
  const contradictory = { ...FROM_PROXY, 'X-Forwarded-Ssl': 'off' }
  assert.equal((await get(`${url}/scheme`, { headers: contradictory })).status, 200)
})

test('a fetch handler sees the scheme the proxy gave in request.url', async (t) => {
  const url = await serving(t, [FETCH_APP])
  assert.equal(
    (await get(`${url}/url?q=1`, { headers: FROM_PROXY })).body,
    'https://shop.test/url?q=1'
  )
  assert.equal(
    (await get(`${url}/url`, { headers: { Host: 'shop.test' } })).body,
    'http://shop.test/url'
  )
  const contradictory = { ...FROM_PROXY, 'X-Forwarded-Ssl': 'off' }
  assert.equal((await get(`${url}/url`, { headers: contradictory })).status, 400)
})

test('secureSchemeHeaders in the config file names the headers to read', async (t) => {
  const config = join(tempDir(t, 'tsgi-proxy-'), 'tsgi.config.json')
  writeFileSync(config, JSON.stringify({ secureSchemeHeaders: { 'X-Scheme': 'https' } }))
  const url = await serving(t, ['-c', config, TSGI_APP])
  assert.equal((await get(`${url}/scheme`, { headers: { 'X-Scheme': 'https' } })).body, 'https')
  assert.equal((await get(`${url}/scheme`, { headers: FROM_PROXY })).body, 'http')
})

test('a bad --forwarded-allow-ips stops tsgi with one line naming it', async (t) => {
  const tsgi = await Tsgi.start(t, [
    '--forwarded-allow-ips',
    'nginx',
    '-b',
    '127.0.0.1:0',
    TSGI_APP,
  ])
  assert.equal((await tsgi.exited).code, 1)
  assert.match(
    tsgi.output,
    /--forwarded-allow-ips: "nginx" is not an IP address, a network \(ADDRESS\/BITS\) or \*/
  )
})

test('a proxy on a Unix socket is trusted even when no address is', async (t) => {
  const socketPath = join(tempDir(t, 'tsgi-proxy-'), 'app.sock')
  const tsgi = await Tsgi.start(t, [
    ...['--forwarded-allow-ips', '', '-b', `unix:${socketPath}`],
    TSGI_APP,
  ])
  await tsgi.waitFor(/Listening at: unix:/)
  await tsgi.readyWorkers(1)
  const response = await get('http://localhost/scheme', { socketPath, headers: FROM_PROXY })
  assert.equal(response.body, 'https')
})

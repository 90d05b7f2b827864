// Interface detection (detect.ts) on real framework objects, forced interfaces, and the
// messages for what fits none.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { test } from 'node:test'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { WebSocketServer } from 'ws'
import { AppImportError } from '../errors.ts'
import { detectInterface, type InterfaceChoice, type LoadedApp } from './detect.ts'

const detect = (value: unknown, choice: InterfaceChoice = 'auto') =>
  detectInterface(value, choice, 'export "app" of module "app.ts"')

async function fails(value: unknown, choice: InterfaceChoice = 'auto'): Promise<string> {
  try {
    await detect(value, choice)
  } catch (error) {
    assert.ok(error instanceof AppImportError)
    assert.equal(error.kind, 'not-an-app')
    return error.message
  }
  assert.fail('detected')
}

function kind(app: LoadedApp): string {
  return app.interface === 'tsgi' && app.guessed ? 'tsgi (guessed)' : app.interface
}

test('framework apps are recognised by their shape', async (t) => {
  assert.equal(kind(await detect(new Hono())), 'fetch')
  assert.equal(
    kind(await detect({ fetch: (request: Request) => new Response(request.url) })),
    'fetch'
  )
  assert.equal(kind(await detect(express())), 'node')
  const koa = new Koa()
  assert.equal((await detect(koa)).how, 'a Koa app')
  assert.equal(
    (await detect(koa.callback())).how,
    "a function named handleRequest (Koa's app.callback())"
  )
  const fastify = Fastify()
  t.after(() => fastify.close())
  fastify.get('/', async () => 'hi')
  const detected = await detect(fastify)
  assert.equal(detected.interface, 'node')
  assert.equal(detected.how, 'a Fastify app')
})

test('an http.Server serves through its listeners, and takes upgrades when it listens for them', async () => {
  const plain = createServer((_req, res) => res.end('hi'))
  const detected = await detect(plain)
  assert.equal(detected.interface, 'node')
  assert.ok(detected.interface === 'node' && detected.upgrade === undefined)
  const withSockets = createServer((_req, res) => res.end('hi'))
  new WebSocketServer({ server: withSockets })
  const upgrading = await detect(withSockets)
  assert.ok(upgrading.interface === 'node' && typeof upgrading.upgrade === 'function')
  assert.equal(upgrading.how, 'an http.Server with upgrade listeners')
  assert.match(await fails(createServer()), /is an object .*not an app/)
})

test('functions: generators are TSGI, one or three parameters fetch, two a TSGI guess', async () => {
  assert.equal(kind(await detect(function* (_e: unknown, _s: unknown) {})), 'tsgi')
  assert.equal(kind(await detect(async function* () {})), 'tsgi')
  assert.equal(kind(await detect((_request: Request) => new Response())), 'fetch')
  assert.equal(
    kind(await detect((_r: Request, _env: unknown, _ctx: unknown) => new Response())),
    'fetch'
  )
  const guess = await detect((_environ: unknown, _startResponse: unknown) => [])
  assert.equal(kind(guess), 'tsgi (guessed)')
  assert.equal(guess.how, 'a function of 2 parameters, which may be any interface')
  assert.equal(kind(await detect((...args: unknown[]) => args)), 'tsgi (guessed)')
})

test('--interface forces the kind, and refuses a value that cannot be of it', async () => {
  const twoParameters = (_a: unknown, _b: unknown) => undefined
  assert.equal((await detect(twoParameters, 'node')).interface, 'node')
  assert.equal((await detect(twoParameters, 'fetch')).interface, 'fetch')
  assert.equal(kind(await detect(twoParameters, 'tsgi')), 'tsgi')
  assert.equal((await detect(new Hono(), 'fetch')).interface, 'fetch')
  assert.equal((await detect(new Koa(), 'node')).interface, 'node')
  assert.match(
    await fails(new Hono(), 'tsgi'),
    /^export "app" of module "app\.ts" is an object \(keys: [^)]*\), not an app: expected a TSGI app, a function \(environ, startResponse\); --interface tsgi was given$/
  )
  assert.match(
    await fails(new Koa(), 'fetch'),
    /expected a fetch handler, a function \(request\) or an object with a fetch method; --interface fetch was given$/
  )
  assert.match(await fails(new Hono(), 'node'), /--interface node was given$/)
})

test('what fits no interface is described, with what was expected', async () => {
  assert.equal(
    await fails('app'),
    'export "app" of module "app.ts" is a string, not an app: expected a TSGI app (environ, ' +
      'startResponse), a fetch handler (request) => Response or an object with a fetch method, ' +
      'or a node:http listener (req, res), http.Server, Koa or Fastify app'
  )
  assert.match(await fails(undefined), /is undefined, not an app/)
  assert.match(await fails({}), /is an object with no keys, not an app/)
  assert.match(await fails([1]), /is an array, not an app/)
})

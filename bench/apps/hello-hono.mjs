// The benchmark's hello app as a Hono app, a fetch app (`app.fetch(request)`): served by
// @hono/node-server on node:cluster and by `tsgi --interface fetch`.
import { ReadableStream } from 'node:stream/web'
import { Hono } from 'hono'
import { BODY_64K, HELLO, STREAM_CHUNK, STREAM_CHUNKS, burn, count, wait } from './work.mjs'

const TEXT = { 'Content-Type': 'text/plain' }
const BINARY = { 'Content-Type': 'application/octet-stream' }

function stream() {
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < STREAM_CHUNKS; i++) controller.enqueue(STREAM_CHUNK)
      controller.close()
    },
  })
}

/** Counts the request, then runs the route's handler. */
function counted(handler) {
  return (c) => {
    count()
    return handler(c)
  }
}

export const app = new Hono()
  .get(
    '/',
    counted((c) => c.body(HELLO, 200, TEXT))
  )
  .get(
    '/64k',
    counted((c) => c.body(BODY_64K, 200, BINARY))
  )
  .post(
    '/echo',
    counted(async (c) => c.body(await c.req.arrayBuffer(), 200, BINARY))
  )
  .get(
    '/stream',
    counted((c) => c.body(stream(), 200, BINARY))
  )
  .get(
    '/wait',
    counted(async (c) => (await wait(), c.body(HELLO, 200, TEXT)))
  )
  .get(
    '/cpu',
    counted((c) => (burn(), c.body(HELLO, 200, TEXT)))
  )

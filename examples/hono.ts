/**
 * A Hono app under the tsgi arbiter: the app object has a `fetch` method, so tsgi serves it as
 * a fetch handler, through the worker's fast path (no full Request is built unless the app
 * needs one).
 *
 *   npx tsgi -w 2 examples/hono.ts
 *   curl localhost:8000/                                   → hello from Hono
 *   curl localhost:8000/users/7                            → {"id":"7"}
 *   curl -d '{"name":"Ada"}' localhost:8000/greet          → {"greeting":"Hello, Ada!"}
 *   curl -N localhost:8000/count                           → 1 2 3 … streamed, one a line
 *   curl localhost:8000/boom                               → 500 {"error":"boom"}
 */
import { Hono } from 'hono'
import { stream } from 'hono/streaming'

export const app = new Hono()

app.get('/', (c) => c.text('hello from Hono\n'))
app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }))
app.post('/greet', async (c) => {
  const { name } = await c.req.json<{ name?: unknown }>()
  if (typeof name !== 'string') return c.json({ error: 'name must be a string' }, 400)
  return c.json({ greeting: `Hello, ${name}!` })
})
app.get('/count', (c) =>
  stream(c, async (out) => {
    for (let n = 1; n <= 5 && !out.aborted; n++) {
      await out.write(`${n}\n`)
      await out.sleep(50)
    }
  })
)
app.get('/boom', () => {
  throw new Error('boom')
})
app.onError((error, c) => c.json({ error: error.message }, 500))

/**
 * A fetch handler with no framework, in the form Bun, Deno and Workers take it: a default
 * export with a `fetch` method. tsgi serves it with every arbiter feature.
 *
 *   npx tsgi -w 2 examples/fetch.ts
 *   curl localhost:8000/                                   → hello from a fetch handler
 *   curl localhost:8000/users/7                            → {"id":"7"}
 *   curl -d '{"name":"Ada"}' localhost:8000/greet          → {"greeting":"Hello, Ada!"}
 *   curl -N localhost:8000/count                           → 1 2 3 … streamed, one a line
 *   curl localhost:8000/boom                               → 500 Internal Server Error
 */
const encoder = new TextEncoder()

async function greet(request: Request): Promise<Response> {
  const { name } = (await request.json()) as { name?: unknown }
  if (typeof name !== 'string')
    return Response.json({ error: 'name must be a string' }, { status: 400 })
  return Response.json({ greeting: `Hello, ${name}!` })
}

/** Five lines, one every 50 ms; stops early when the client goes away (the stream is cancelled). */
function count(): Response {
  let n = 0
  let timer: ReturnType<typeof setInterval> | undefined
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        controller.enqueue(encoder.encode(`${++n}\n`))
        if (n === 5) {
          clearInterval(timer)
          controller.close()
        }
      }, 50)
    },
    cancel() {
      clearInterval(timer)
    },
  })
  return new Response(body, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url)
    const user = /^\/users\/([^/]+)$/.exec(pathname)
    if (pathname === '/' && request.method === 'GET')
      return new Response('hello from a fetch handler\n')
    if (user) return Response.json({ id: user[1] })
    if (pathname === '/greet' && request.method === 'POST') return greet(request)
    if (pathname === '/count') return count()
    if (pathname === '/boom') throw new Error('boom (the example error path)')
    return new Response('Not Found\n', { status: 404 })
  },
}

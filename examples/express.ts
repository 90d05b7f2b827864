/**
 * An Express 5 app under the tsgi arbiter: an Express app is a node:http request listener, so
 * tsgi hands it the worker's own request and response. To take WebSocket upgrades too, export
 * an http.Server made with the app instead (docs/interfaces/node.md).
 *
 *   npx tsgi -w 2 examples/express.ts
 *   curl localhost:8000/                                   → hello from Express
 *   curl localhost:8000/users/7                            → {"id":"7"}
 *   curl -d '{"name":"Ada"}' -H 'Content-Type: application/json' localhost:8000/greet
 *                                                          → {"greeting":"Hello, Ada!"}
 *   curl -N localhost:8000/count                           → 1 2 3 … streamed, one a line
 *   curl localhost:8000/boom                               → 500 {"error":"boom"}
 */
import express, { type NextFunction, type Request, type Response } from 'express'

export const app = express()
app.use(express.json())

app.get('/', (_req, res) => {
  res.type('text/plain').send('hello from Express\n')
})
app.get('/users/:id', (req, res) => {
  res.json({ id: req.params.id })
})
app.post('/greet', (req, res) => {
  const name: unknown = (req.body as { name?: unknown } | undefined)?.name
  if (typeof name !== 'string') res.status(400).json({ error: 'name must be a string' })
  else res.json({ greeting: `Hello, ${name}!` })
})
app.get('/count', async (req, res) => {
  res.type('text/plain')
  for (let n = 1; n <= 5 && !req.socket.destroyed; n++) {
    res.write(`${n}\n`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  res.end()
})
app.get('/boom', () => {
  throw new Error('boom')
})
app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
  res.status(500).json({ error: error.message })
})

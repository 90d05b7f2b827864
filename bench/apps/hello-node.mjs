// The benchmark's hello app as a Node handler `(req, res)`: served by the bare node:http
// cluster (the limit), by PM2 cluster mode and by `tsgi --interface node`.
import { BODY_64K, HELLO, STREAM_CHUNK, STREAM_CHUNKS, burn, count, wait } from './work.mjs'

const TEXT = { 'Content-Type': 'text/plain' }
const BINARY = { 'Content-Type': 'application/octet-stream' }

function echo(req, res) {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    res.writeHead(200, { ...BINARY, 'Content-Length': body.length })
    res.end(body)
  })
}

function stream(res) {
  res.writeHead(200, BINARY)
  for (let i = 0; i < STREAM_CHUNKS; i++) res.write(STREAM_CHUNK)
  res.end()
}

function hello(res) {
  res.writeHead(200, TEXT)
  res.end(HELLO)
}

/** @type {import('node:http').RequestListener} */
export function app(req, res) {
  count()
  switch (req.url) {
    case '/64k':
      res.writeHead(200, BINARY)
      return res.end(BODY_64K)
    case '/echo':
      return echo(req, res)
    case '/stream':
      return stream(res)
    case '/wait':
      return void wait().then(() => hello(res))
    case '/cpu':
      burn()
  }
  hello(res)
}

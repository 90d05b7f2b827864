// The benchmark's hello app as a TSGI app (served by `tsgi -k async|sync`). Routes: see
// bench/README.md. Plain JavaScript, so tsgi loads no TypeScript loader for it, like every
// other server of the benchmark.
import { BODY_64K, HELLO, STREAM_CHUNK, STREAM_CHUNKS, burn, count, wait } from './work.mjs'

const TEXT = [['Content-Type', 'text/plain']]
const BINARY = [['Content-Type', 'application/octet-stream']]

function* stream() {
  for (let i = 0; i < STREAM_CHUNKS; i++) yield STREAM_CHUNK
}

async function echo(environ, startResponse) {
  const body = await environ['tsgi.input'].read()
  startResponse('200 OK', [...BINARY, ['Content-Length', String(body.length)]])
  return [body]
}

async function waited(startResponse) {
  await wait()
  startResponse('200 OK', TEXT)
  return [HELLO]
}

/** @type {import('../../src/spec/types.ts').Application} */
export function app(environ, startResponse) {
  count()
  switch (environ.PATH_INFO) {
    case '/64k':
      startResponse('200 OK', BINARY)
      return [BODY_64K]
    case '/echo':
      return echo(environ, startResponse)
    case '/stream':
      startResponse('200 OK', BINARY)
      return stream()
    case '/wait':
      return waited(startResponse)
    case '/cpu':
      burn()
  }
  startResponse('200 OK', TEXT)
  return [HELLO]
}

/**
 * The contract every framework app in these tests follows (examples/ and tests/fixtures/apps/):
 * `/` greets, `/users/:id` answers `{"id":…}`, `POST /greet` takes and returns JSON, `/count`
 * streams five lines, `/boom` fails. One check for them all, over real HTTP.
 */
import assert from 'node:assert/strict'
import { httpRequest } from '../helpers/http.ts'

export async function checkFrameworkApp(url: string, greeting: RegExp): Promise<void> {
  const home = await httpRequest(`${url}/`)
  assert.equal(home.status, 200)
  assert.match(home.text, greeting)

  const user = await httpRequest(`${url}/users/7`)
  assert.equal(user.status, 200)
  assert.deepEqual(JSON.parse(user.text), { id: '7' })

  const greet = await httpRequest(`${url}/greet`, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Ada' }),
  })
  assert.equal(greet.status, 200, greet.text)
  assert.deepEqual(JSON.parse(greet.text), { greeting: 'Hello, Ada!' })

  const count = await httpRequest(`${url}/count`)
  assert.equal(count.status, 200)
  assert.equal(count.text, '1\n2\n3\n4\n5\n')
  assert.equal(count.headers['transfer-encoding'], 'chunked', 'streamed, not buffered')

  const boom = await httpRequest(`${url}/boom`)
  assert.equal(boom.status, 500)
}

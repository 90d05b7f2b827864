import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseBindAddress } from './config/address.ts'
import { ListenerSet } from './listener-set.ts'
import type { ErrorLog } from './logging/error-log.ts'
import type { Listener } from './sock.ts'

/** A set whose listeners are fakes that record their closing; `inUse` addresses fail. */
function fakeSet(inUse: string[] = []) {
  const closed: string[] = []
  const lines: string[] = []
  const bind = async (bind: string): Promise<Listener> => {
    if (inUse.includes(bind)) throw new Error(`cannot bind ${bind}: address in use`)
    const address = parseBindAddress(bind)
    return { address, bound: address, handle: {}, close: () => closed.push(bind) }
  }
  const log = { info: (line: string) => lines.push(line), warning: () => {} } as unknown as ErrorLog
  return { set: new ListenerSet(bind, () => log), closed, lines }
}

/** The paths of unix:PATH listeners, in order. */
function names(listeners: readonly Listener[]): string[] {
  return listeners.map((listener) =>
    listener.address.kind === 'unix' ? listener.address.path : ''
  )
}

test('a reload reuses the addresses it keeps and closes the dropped ones when done', async () => {
  const { set, closed } = fakeSet()
  await set.open(['unix:a', 'unix:b'])
  const [a] = set.current
  const next = await set.prepare(['unix:a', 'unix:c'], ['unix:a', 'unix:b'])
  assert.equal(next[0], a, 'the open listener is reused, not bound again')
  set.replace(next)
  assert.deepEqual(names(set.current), ['a', 'c'])
  assert.deepEqual(closed, [], 'the dropped one stays open until the reload is done')
  assert.equal(set.reloading, true)
  set.finishReload()
  assert.deepEqual(closed, ['unix:b'])
  assert.equal(set.reloading, false)
})

test('an aborted reload serves the old listeners again and closes the new ones', async () => {
  const { set, closed } = fakeSet()
  await set.open(['unix:a'])
  set.replace(await set.prepare(['unix:b'], ['unix:a']))
  set.abortReload()
  assert.deepEqual(names(set.current), ['a'])
  assert.deepEqual(closed, ['unix:b'])
})

test('a reload with an address that cannot be bound closes what it bound and changes nothing', async () => {
  const { set, closed } = fakeSet(['unix:busy'])
  await set.open(['unix:a'])
  await assert.rejects(set.prepare(['unix:a', 'unix:new', 'unix:busy'], ['unix:a']), /in use/)
  assert.deepEqual(closed, ['unix:new'])
  assert.deepEqual(names(set.current), ['a'])
  assert.equal(set.reloading, false)
})

test('closeAll closes every listener, those a reload dropped included, once each', async () => {
  const { set, closed } = fakeSet()
  await set.open(['unix:a'])
  set.replace(await set.prepare(['unix:b'], ['unix:a']))
  set.closeAll()
  assert.deepEqual(closed.sort(), ['unix:a', 'unix:b'])
  assert.deepEqual(set.current, [])
})

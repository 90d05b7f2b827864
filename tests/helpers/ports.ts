/**
 * A port taken by another listener, for tests of what a server does when its address is in use.
 * @module
 */
import net from 'node:net'
import type { TestContext } from 'node:test'

/** Listens on a free port of 127.0.0.1 until `release` or the end of the test. */
export async function holdPort(t: TestContext): Promise<{ port: number; release: () => void }> {
  const other = net.createServer()
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
  const release = () => void (other.listening && other.close())
  t.after(release)
  return { port: (other.address() as net.AddressInfo).port, release }
}

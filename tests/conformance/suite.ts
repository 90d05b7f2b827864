/**
 * The TSGI conformance suite: the spec's observable rules, checked over real HTTP against any
 * server that serves tests/conformance/app.ts. `conformanceSuite()` registers node:test tests;
 * each server gets a small test file that says how to start it.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe } from 'node:test'
import { connectionCases } from './cases/connection.ts'
import { environCases } from './cases/environ.ts'
import { errorCases } from './cases/errors.ts'
import { lifecycleCases } from './cases/lifecycle.ts'
import { requestBodyCases } from './cases/request-body.ts'
import { responseBodyCases } from './cases/response-body.ts'
import { statusAndHeaderCases } from './cases/status-and-headers.ts'
import { SuiteContext, type StartServer, type SuiteOptions } from './context.ts'
import { PROBE_DIR_VARIABLE } from './probe.ts'

export type { ServerUnderTest, StartServer, SuiteOptions } from './context.ts'

/**
 * Registers the suite as `describe(name)`. `start` gets the environment variables the app
 * needs (TSGI_CONFORMANCE_DIR) and must serve `app` from tests/conformance/app.ts with them.
 */
export function conformanceSuite(
  name: string,
  start: StartServer,
  options: SuiteOptions = {}
): void {
  describe(name, () => {
    const ctx = new SuiteContext(options)
    let dir: string | undefined
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tsgi-conformance-'))
      await ctx.begin(await start({ [PROBE_DIR_VARIABLE]: dir }), dir)
    })
    afterEach(() => ctx.closeConnections())
    after(async () => {
      await ctx.end()
      if (dir) await rm(dir, { recursive: true, force: true })
    })
    statusAndHeaderCases(ctx)
    responseBodyCases(ctx)
    requestBodyCases(ctx)
    errorCases(ctx)
    lifecycleCases(ctx)
    environCases(ctx)
    connectionCases(ctx)
  })
}

/**
 * The log files a configuration names must open before the master logs to one or a worker
 * boots: otherwise a one-line error names the setting and the path. A worker would die of it
 * with a stack trace; Gunicorn's master opens them first too.
 * @module
 */
import { closeSync, openSync } from 'node:fs'
import type { Config } from '../config/config.ts'
import { ConfigError } from '../errors.ts'

/** Opens each log file for append, as the logs will (creating it), and closes it again. */
export function checkLogFiles(config: Pick<Config, 'errorLog' | 'accessLog'>): void {
  const files = { '--error-logfile': config.errorLog, '--access-logfile': config.accessLog }
  for (const [flag, path] of Object.entries(files)) {
    if (!path || path === '-') continue
    try {
      closeSync(openSync(path, 'a'))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      throw new ConfigError(`${flag}: cannot open ${JSON.stringify(path)} for append (${code})`)
    }
  }
}

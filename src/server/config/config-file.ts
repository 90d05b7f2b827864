/**
 * Config files: `tsgi.config.ts|.mts|.js|.mjs` modules whose default export is an object of
 * settings, or `tsgi.config.json`. Each read imports the file afresh, so HUP sees edits.
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ConfigError } from '../errors.ts'
import { importErrorText } from '../import-hint.ts'
import {
  hasNativeTypeScript,
  importTypeScriptFresh,
  isTypeScriptFile,
  moduleExports,
} from '../typescript.ts'
import type { RawValue } from './command-line.ts'
import { showValue } from './invalid-value.ts'
import { SETTINGS_BY_NAME } from './settings.ts'
import { closest } from './suggest.ts'
import { CONFIG_FILE_EXTENSIONS } from './validators.ts'

/** The file read when none is named: the first of tsgi.config.{ts,mts,js,mjs,json} in `cwd`. */
export function findDefaultConfigFile(cwd: string): string | undefined {
  return CONFIG_FILE_EXTENSIONS.map((ext) => join(cwd, `tsgi.config${ext}`)).find(
    (path) => existsSync(path) && statSync(path).isFile()
  )
}

/** The settings in the file at `path`, as raw values; `label` names the file in messages. */
export async function readConfigFile(path: string, label: string): Promise<RawValue[]> {
  const settings =
    extname(path) === '.json' ? readJson(path, label) : await importDefault(path, label)
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new ConfigError(`${label}: the settings must be an object, not ${showValue(settings)}`)
  }
  return Object.entries(settings)
    .filter(([, raw]) => raw !== undefined) // `workers: undefined` leaves the setting unset
    .map(([key, raw]) => ({ name: knownSetting(key, label), label: key, raw }))
}

function knownSetting(key: string, label: string): string {
  if (key === 'config') {
    throw new ConfigError(`config: a config file cannot name another one (in ${label})`)
  }
  if (SETTINGS_BY_NAME.has(key)) return key
  const suggestion = closest(
    key,
    [...SETTINGS_BY_NAME.keys()].filter((name) => name !== 'config')
  )
  const hint = suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ''
  throw new ConfigError(`unknown setting ${JSON.stringify(key)} in ${label}${hint}`)
}

function readJson(path: string, label: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown
  } catch (error) {
    // No cause: the message says it all, and JSON.parse's stack would only add noise.
    throw new ConfigError(`${label} is not valid JSON: ${(error as Error).message}`)
  }
}

async function importDefault(path: string, label: string): Promise<unknown> {
  let namespace: Record<string, unknown>
  try {
    namespace = await importFresh(path)
  } catch (error) {
    const message = importErrorText(error, path)
    throw new ConfigError(`${label} failed to load: ${message}`, { cause: error })
  }
  const exports = moduleExports(namespace)
  if (!('default' in exports)) {
    throw new ConfigError(
      `${label} has no default export: write export default defineConfig({ … })`
    )
  }
  return exports.default
}

const require = createRequire(import.meta.url)
const loadCounts = new Map<string, number>()

async function importFresh(path: string): Promise<Record<string, unknown>> {
  if (isTypeScriptFile(path) && !hasNativeTypeScript()) return importTypeScriptFresh(path)
  const count = (loadCounts.get(path) ?? 0) + 1
  loadCounts.set(path, count)
  // ES modules are cached by URL, so a new query loads the file again; CommonJS ones by file
  // name, whatever the URL, so their cache entry goes.
  delete require.cache[path]
  const url = pathToFileURL(path).href
  return (await import(count === 1 ? url : `${url}?reload=${count}`)) as Record<string, unknown>
}

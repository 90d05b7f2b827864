/**
 * Resolves the configuration from its layers, lowest first (Gunicorn's `load_config` order):
 *
 * 1. each setting's default, or its environment variable (`PORT`, `WEB_CONCURRENCY`) when set;
 * 2. the config file: `-c` from the command line, else `-c` from TSGI_CMD_ARGS, else the first
 *    `./tsgi.config.{ts,mts,js,mjs,json}` that exists;
 * 3. TSGI_CMD_ARGS, split like a shell would;
 * 4. the command line.
 *
 * Every value of every layer is validated, and the first bad one stops resolution with a
 * one-line ConfigError naming the setting, the value and where it came from.
 * @module
 */
import { relative, isAbsolute } from 'node:path'
import { ConfigError } from '../errors.ts'
import { COMMAND_LINE, parseCommandLine, type RawValue } from './command-line.ts'
import { findDefaultConfigFile, readConfigFile } from './config-file.ts'
import { InvalidValue, showValue } from './invalid-value.ts'
import type { Setting } from './setting.ts'
import { SETTINGS, SETTINGS_BY_NAME, type Config, type SettingName } from './settings.ts'
import { splitShellWords } from './shell-words.ts'
import type { ValidateContext } from './validators.ts'

export type { Config, SettingName } from './settings.ts'

export interface ResolveOptions {
  /** The command-line arguments, without `node` and the script. */
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
  /** The directory tsgi started in: relative config-file and chdir paths start here. */
  readonly cwd: string
}

export interface ResolvedConfig {
  readonly config: Config
  /**
   * Where each value came from, as messages name it: `default`, an environment variable
   * (`PORT`), the config file's path, `TSGI_CMD_ARGS` or `the command line`.
   */
  readonly sources: Readonly<Record<SettingName, string>>
}

/** The environment variable holding extra arguments (Gunicorn's GUNICORN_CMD_ARGS). */
export const CMD_ARGS_VARIABLE = 'TSGI_CMD_ARGS'
export const DEFAULT_SOURCE = 'default'

interface Layer {
  readonly source: string
  readonly values: readonly RawValue[]
}

type ValidatedLayer = Map<string, { readonly value: unknown; readonly source: string }>

/** Reads every layer and returns the frozen configuration. Re-run it to reload (HUP). */
export async function resolveConfig(options: ResolveOptions): Promise<ResolvedConfig> {
  const context: ValidateContext = { cwd: options.cwd }
  const commandLine = parseCommandLine(options.argv, { source: COMMAND_LINE, actions: true })
  const cmdArgs = parseCommandLine(splitShellWords(options.env[CMD_ARGS_VARIABLE] ?? ''), {
    source: CMD_ARGS_VARIABLE,
    actions: false,
  })
  const argumentLayers = [
    validateLayer({ source: CMD_ARGS_VARIABLE, values: cmdArgs.values }, context),
    validateLayer({ source: COMMAND_LINE, values: commandLine.values }, context),
  ]
  const configFile = chooseConfigFile(argumentLayers, options.cwd)
  const fileLayer = configFile.path
    ? validateLayer(await readFileLayer(configFile.path, options.cwd), context)
    : new Map()
  const layers = [defaultLayer(context), ...environmentLayers(options.env, context), fileLayer]
  const merged = merge([...layers, ...argumentLayers])
  merged.set('config', { value: configFile.path ?? null, source: configFile.source })
  return freeze(merged)
}

/** The config file named last (command line over TSGI_CMD_ARGS), else the default one if any. */
function chooseConfigFile(
  argumentLayers: readonly ValidatedLayer[],
  cwd: string
): { path: string | undefined; source: string } {
  const named = argumentLayers.findLast((layer) => layer.has('config'))?.get('config')
  if (named) return { path: named.value as string, source: named.source }
  return { path: findDefaultConfigFile(cwd), source: DEFAULT_SOURCE }
}

async function readFileLayer(path: string, cwd: string): Promise<Layer> {
  const label = displayPath(path, cwd)
  return { source: label, values: await readConfigFile(path, label) }
}

/** The path relative to `cwd` when it is inside it, as a user would write it. */
function displayPath(path: string, cwd: string): string {
  const inside = relative(cwd, path)
  return inside.startsWith('..') || isAbsolute(inside) ? path : inside
}

function defaultLayer(context: ValidateContext): ValidatedLayer {
  const values = SETTINGS.map((entry) => ({
    name: entry.name,
    label: entry.name,
    raw: entry.default,
  }))
  return validateLayer({ source: DEFAULT_SOURCE, values }, context)
}

/** One layer per setting whose environment variable is set (an empty one counts as unset). */
function environmentLayers(env: ResolveOptions['env'], context: ValidateContext): ValidatedLayer[] {
  return SETTINGS.flatMap((entry: Setting) => {
    const text = entry.env === undefined ? undefined : env[entry.env]
    if (!entry.env || !text) return []
    const raw = entry.fromEnv ? entry.fromEnv(text) : text
    return [
      validateLayer(
        { source: entry.env, values: [{ name: entry.name, label: entry.name, raw }] },
        context
      ),
    ]
  })
}

function validateLayer(layer: Layer, context: ValidateContext): ValidatedLayer {
  const validated: ValidatedLayer = new Map()
  for (const { name, label, raw } of layer.values) {
    const value = validateValue(SETTINGS_BY_NAME.get(name)!, raw, context, `${label}`, layer.source)
    validated.set(name, { value, source: layer.source })
  }
  return validated
}

/** The setting's validated value; a rejected one becomes the one-line ConfigError. */
export function validateValue(
  entry: Setting,
  raw: unknown,
  context: ValidateContext,
  label: string,
  source: string
): unknown {
  try {
    return entry.validate(raw, context)
  } catch (error) {
    if (!(error instanceof InvalidValue)) throw error
    const shown = showValue(error.hasValue ? error.value : raw)
    throw new ConfigError(`${label}: ${shown} ${error.reason} (from ${source})`)
  }
}

function merge(layers: readonly ValidatedLayer[]): ValidatedLayer {
  const merged: ValidatedLayer = new Map()
  for (const layer of layers) for (const [name, entry] of layer) merged.set(name, entry)
  return merged
}

function freeze(merged: ValidatedLayer): ResolvedConfig {
  const config: Record<string, unknown> = {}
  const sources: Record<string, string> = {}
  for (const { name } of SETTINGS) {
    const { value, source } = merged.get(name)!
    config[name] = Array.isArray(value) ? Object.freeze([...value]) : value
    sources[name] = source
  }
  return {
    config: Object.freeze(config) as Config,
    sources: Object.freeze(sources) as Record<SettingName, string>,
  }
}

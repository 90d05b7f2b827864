/**
 * Loads the app named by `MODULE[:EXPORT]` (Gunicorn's `util.import_app`). MODULE is a .ts, .mts,
 * .js or .mjs file, relative to the `chdir` setting, or a package name; EXPORT defaults to `app`,
 * and may be a factory call, `createApp()` or `createApp('prod', 2)`, as Gunicorn allows.
 * Loading is five steps, each with its own failure (errors.ts AppImportFailure): parse the spec,
 * find the module, import it, pick the export (calling the factory), and tell which interface
 * the app speaks (interfaces/detect.ts).
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { AppImportError } from './errors.ts'
import {
  describeValue,
  detectInterface,
  type InterfaceChoice,
  type LoadedApp,
} from './interfaces/detect.ts'
import { APP_EXTENSIONS, InvalidAppSpec, parseAppSpec, type AppSpec } from './app-spec.ts'
import { importErrorText } from './import-hint.ts'
import { enableTypeScript, isTypeScriptFile, moduleExports } from './typescript.ts'

export {
  APP_EXTENSIONS,
  DEFAULT_EXPORT,
  InvalidAppSpec,
  parseAppSpec,
  type AppSpec,
  type AppTarget,
} from './app-spec.ts'

export interface LoadAppOptions {
  /** The directory a relative MODULE is resolved against (the `chdir` setting). */
  readonly cwd: string
  /** The `interface` setting: how the app is called; `auto` (the default) detects it. */
  readonly interface?: InterfaceChoice
}

/**
 * Loads the app `spec` names and tells how to call it; throws AppImportError saying which step
 * failed.
 */
export async function loadApp(spec: string, options: LoadAppOptions): Promise<LoadedApp> {
  const parsed = parseSpecOrThrow(spec)
  const file = resolveAppModule(parsed.module, resolve(options.cwd))
  const namespace = await importAppModule(file, parsed.module)
  const value = await pickTarget(namespace, parsed)
  return detectInterface(value, options.interface ?? 'auto', describeTarget(parsed))
}

function parseSpecOrThrow(spec: string): AppSpec {
  try {
    return parseAppSpec(spec)
  } catch (error) {
    if (!(error instanceof InvalidAppSpec)) throw error
    throw new AppImportError('invalid-spec', `${JSON.stringify(spec)} ${error.reason}`)
  }
}

/** `./app.ts`, `/srv/app.ts`: only ever a path. */
function isExplicitPath(module: string): boolean {
  return module.startsWith('.') || isAbsolute(module)
}

/** `app.ts` is a path too; `pkg/server.mjs` may be either, so the file is tried first. */
function looksLikePath(module: string): boolean {
  return isExplicitPath(module) || (APP_EXTENSIONS as readonly string[]).includes(extname(module))
}

/** The absolute file MODULE names, or an AppImportError('not-found'). */
export function resolveAppModule(module: string, cwd: string): string {
  const asFile = looksLikePath(module) ? existingFile(resolve(cwd, module)) : undefined
  const file = asFile ?? (isExplicitPath(module) ? undefined : resolvePackage(module, cwd))
  if (file !== undefined) return file
  const why = looksLikePath(module)
    ? `no file ${resolve(cwd, module)}`
    : `no such package in node_modules from ${cwd} up`
  const hint = suggestFile(module, cwd)
  throw new AppImportError(
    'not-found',
    `cannot find module ${JSON.stringify(module)}: ${why}${hint}`
  )
}

function existingFile(path: string): string | undefined {
  return existsSync(path) && statSync(path).isFile() ? path : undefined
}

/** `app` for `app.ts`: a hint when MODULE only lacks its extension. */
function suggestFile(module: string, cwd: string): string {
  if (extname(module) !== '') return ''
  const found = APP_EXTENSIONS.find((ext) => existingFile(resolve(cwd, module + ext)))
  return found ? `; did you mean ${JSON.stringify(module + found)}?` : ''
}

async function importAppModule(file: string, module: string): Promise<Record<string, unknown>> {
  try {
    if (isTypeScriptFile(file)) await enableTypeScript()
    return moduleExports((await import(pathToFileURL(file).href)) as Record<string, unknown>)
  } catch (error) {
    throw new AppImportError(
      'import-failed',
      `module ${JSON.stringify(module)} failed to import: ${importErrorText(error, file)}`,
      { cause: error }
    )
  }
}

/** The export, or for a factory call, what the factory returns (awaited). */
async function pickTarget(namespace: Record<string, unknown>, spec: AppSpec): Promise<unknown> {
  const value = pickExport(namespace, spec)
  const { target } = spec
  if (target.kind === 'export') return value
  const call = `${target.name}(${target.args.map((arg) => JSON.stringify(arg)).join(', ')})`
  if (typeof value !== 'function') {
    throw new AppImportError(
      'factory-failed',
      `cannot call ${call}: export ${JSON.stringify(target.name)} of module ${JSON.stringify(spec.module)} is ${describeValue(value)}`
    )
  }
  try {
    return await (value as (...args: unknown[]) => unknown)(...target.args)
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    throw new AppImportError(
      'factory-failed',
      `${call} of module ${JSON.stringify(spec.module)} failed: ${message}`,
      { cause: error }
    )
  }
}

function pickExport(namespace: Record<string, unknown>, spec: AppSpec): unknown {
  const { target } = spec
  const { name } = target
  if (Object.prototype.hasOwnProperty.call(namespace, name)) return namespace[name]
  const implicit = target.kind === 'export' && target.implicit === true
  if (implicit && namespace.default !== undefined) return namespace.default
  const names = Object.keys(namespace)
  const list = names.length === 0 ? 'it has no exports' : `its exports: ${names.join(', ')}`
  const hint =
    typeof namespace.default === 'function'
      ? `; for the default export, write ${spec.module}:default`
      : ''
  throw new AppImportError(
    'missing-export',
    `module ${JSON.stringify(spec.module)} has no export ${JSON.stringify(name)} (${list})${hint}`
  )
}

/** `export "app" of module "app.ts"`, or `createApp() of module "app.ts"` for a factory call. */
function describeTarget(spec: AppSpec): string {
  const { target } = spec
  const what =
    target.kind === 'export'
      ? `export ${JSON.stringify(target.name)}`
      : `what ${target.name}(${target.args.map((arg) => JSON.stringify(arg)).join(', ')}) returned`
  return `${what} of module ${JSON.stringify(spec.module)}`
}

// Package names resolve as Node's ESM resolver does, from `cwd` rather than from this file:
// node_modules folders upward, then the package's "exports" (conditions node, import, default)
// or, without exports, its "main". import.meta.resolve cannot take a parent on Node 20.

const CONDITIONS = new Set(['node', 'import', 'default'])

function resolvePackage(specifier: string, cwd: string): string | undefined {
  const parts = specifier.split('/')
  const nameLength = specifier.startsWith('@') ? 2 : 1
  const name = parts.slice(0, nameLength).join('/')
  const subpath = ['.', ...parts.slice(nameLength)].join('/')
  for (let dir = cwd; ; dir = dirname(dir)) {
    const packageDir = join(dir, 'node_modules', name)
    if (existsSync(join(packageDir, 'package.json'))) return resolveInPackage(packageDir, subpath)
    if (isSelfReference(dir, name)) return resolveInPackage(dir, subpath)
    if (dirname(dir) === dir) return undefined
  }
}

/** A package may import itself by name when it declares "exports" (Node's self-reference). */
function isSelfReference(dir: string, name: string): boolean {
  const manifest = readManifest(dir)
  return manifest?.name === name && manifest.exports !== undefined
}

function readManifest(dir: string): Record<string, unknown> | undefined {
  const path = join(dir, 'package.json')
  if (!existsSync(path)) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

function resolveInPackage(packageDir: string, subpath: string): string | undefined {
  const manifest = readManifest(packageDir) ?? {}
  if (manifest.exports !== undefined && manifest.exports !== null) {
    const target = resolveExports(manifest.exports, subpath)
    return target === undefined ? undefined : existingFile(join(packageDir, target))
  }
  if (subpath !== '.') return existingFile(join(packageDir, subpath))
  const main = typeof manifest.main === 'string' ? manifest.main : 'index.js'
  const candidates = [main, `${main}.js`, join(main, 'index.js'), 'index.js']
  return candidates.map((file) => existingFile(join(packageDir, file))).find(Boolean)
}

function resolveExports(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap =
    typeof exports === 'object' &&
    !Array.isArray(exports) &&
    Object.keys(exports!).some((key) => key.startsWith('.'))
  if (!isSubpathMap) return subpath === '.' ? resolveTarget(exports, '') : undefined
  const map = exports as Record<string, unknown>
  if (subpath in map) return resolveTarget(map[subpath], '')
  for (const [key, target] of Object.entries(map)) {
    const [prefix, suffix = ''] = key.split('*')
    if (key.includes('*') && subpath.startsWith(prefix!) && subpath.endsWith(suffix)) {
      return resolveTarget(target, subpath.slice(prefix!.length, subpath.length - suffix.length))
    }
  }
  return undefined
}

function resolveTarget(target: unknown, star: string): string | undefined {
  if (typeof target === 'string') return target.replaceAll('*', star)
  if (Array.isArray(target)) return target.map((item) => resolveTarget(item, star)).find(Boolean)
  if (typeof target !== 'object' || target === null) return undefined
  for (const [condition, value] of Object.entries(target)) {
    if (CONDITIONS.has(condition)) {
      const resolved = resolveTarget(value, star)
      if (resolved !== undefined) return resolved
    }
  }
  return undefined
}

/**
 * Loads the app named by `MODULE[:EXPORT]` (Gunicorn's `util.import_app`). MODULE is a .ts, .mts,
 * .js or .mjs file, relative to the `chdir` setting, or a package name; EXPORT defaults to `app`.
 * Loading is four steps, each with its own failure (errors.ts AppImportFailure): parse the spec,
 * find the module, import it, pick the export and check it is an app.
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Application } from '../spec/types.ts'
import { AppImportError } from './errors.ts'
import { enableTypeScript, isTypeScriptFile, moduleExports } from './typescript.ts'

/** The export used when the spec names none. */
export const DEFAULT_EXPORT = 'app'

/** The file extensions MODULE may have when it is a path. */
export const APP_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cts', '.cjs'] as const

/**
 * What to take from the module. One kind today; a factory call (`module:createApp()`) will be a
 * second kind, handled in pickTarget.
 */
export type AppTarget = { readonly kind: 'export'; readonly name: string }

export interface AppSpec {
  /** MODULE as written: a path or a package name. */
  readonly module: string
  readonly target: AppTarget
}

export interface LoadAppOptions {
  /** The directory a relative MODULE is resolved against (the `chdir` setting). */
  readonly cwd: string
}

/** Thrown by parseAppSpec; `reason` completes "<spec> <reason>". */
export class InvalidAppSpec extends Error {
  readonly reason: string

  constructor(reason: string) {
    super(reason)
    this.name = 'InvalidAppSpec'
    this.reason = reason
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/**
 * Splits `MODULE[:EXPORT]` at its last colon, unless what follows holds a path separator: then
 * the colon belongs to the path (`C:\app.ts`).
 */
export function parseAppSpec(text: string): AppSpec {
  const spec = text.trim()
  const colon = spec.lastIndexOf(':')
  const tail = colon < 0 ? undefined : spec.slice(colon + 1)
  const hasExport = tail !== undefined && !/[/\\]/.test(tail)
  const module = hasExport ? spec.slice(0, colon) : spec
  const name = hasExport ? tail : DEFAULT_EXPORT
  if (module === '') throw new InvalidAppSpec('is not MODULE[:EXPORT]: MODULE is empty')
  if (name === '') throw new InvalidAppSpec('is not MODULE[:EXPORT]: EXPORT is empty')
  if (!IDENTIFIER.test(name)) {
    throw new InvalidAppSpec(`is not MODULE[:EXPORT]: EXPORT must be an export name`)
  }
  return { module, target: { kind: 'export', name } }
}

/** Loads the app `spec` names; throws AppImportError saying which step failed. */
export async function loadApp(spec: string, options: LoadAppOptions): Promise<Application> {
  const parsed = parseSpecOrThrow(spec)
  const file = resolveAppModule(parsed.module, resolve(options.cwd))
  const namespace = await importAppModule(file, parsed.module)
  return asApplication(pickTarget(namespace, parsed), parsed)
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
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    throw new AppImportError(
      'import-failed',
      `module ${JSON.stringify(module)} failed to import: ${message}`,
      {
        cause: error,
      }
    )
  }
}

function pickTarget(namespace: Record<string, unknown>, spec: AppSpec): unknown {
  const { name } = spec.target
  if (Object.prototype.hasOwnProperty.call(namespace, name)) return namespace[name]
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

/** Checks the export is an app. Other interfaces (fetch handlers, node:http listeners) will adapt here. */
function asApplication(value: unknown, spec: AppSpec): Application {
  if (typeof value === 'function') return value as Application
  throw new AppImportError(
    'not-callable',
    `export ${JSON.stringify(spec.target.name)} of module ${JSON.stringify(spec.module)} is ${describe(value)}, ` +
      'not a function: a TSGI app is a function (environ, startResponse)'
  )
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  const type = typeof value
  return type === 'object' ? 'an object' : `a ${type}`
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

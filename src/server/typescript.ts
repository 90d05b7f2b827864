/**
 * Loading TypeScript without a build step, for apps and config files. Node strips types itself
 * from 22.18 / 23.6 on (`process.features.typescript` is then `'strip'` or `'transform'`); older
 * Nodes, such as the 20.x line, get tsx's loader hooks instead (`tsx` is a dependency).
 * @module
 */
import { extname } from 'node:path'
import { pathToFileURL } from 'node:url'

/** How `.ts` files are being loaded in this process. */
export type TypeScriptSupport = 'native' | 'tsx'

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts'])

let enabling: Promise<TypeScriptSupport> | undefined

/** Whether `path` names a TypeScript file. */
export function isTypeScriptFile(path: string): boolean {
  return TYPESCRIPT_EXTENSIONS.has(extname(path))
}

/** Whether this Node strips types by default (the feature flag is absent before 22.10). */
export function hasNativeTypeScript(): boolean {
  const features = process.features as { typescript?: string | false }
  return Boolean(features.typescript)
}

/** Makes `import()` of `.ts`/`.mts` files work in this process; safe to call any number of times. */
export function enableTypeScript(): Promise<TypeScriptSupport> {
  enabling ??= register()
  return enabling
}

async function register(): Promise<TypeScriptSupport> {
  if (hasNativeTypeScript()) return 'native'
  // A process started with `--import tsx` already has tsx's hooks; a second set on top of them
  // breaks CommonJS-format .ts files. tsx counts its active global loaders under this symbol.
  if (tsxLoaderActive()) return 'tsx'
  // Imported only here: a process that never loads TypeScript never loads esbuild. Both hooks,
  // as `--import tsx` installs them: in a package without "type": "module" a .ts file is
  // CommonJS, and without the require() hook its import errors come out garbled.
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')])
  esm.register()
  cjs.register()
  return 'tsx'
}

function tsxLoaderActive(): boolean {
  const count = (globalThis as Record<symbol, unknown>)[Symbol.for('tsx:global-cjs-loader-count')]
  return typeof count === 'number' && count > 0
}

/**
 * Imports a TypeScript file afresh, bypassing the module cache, without registering hooks for
 * the whole process: config files are re-read on HUP. Needs tsx (use it where Node has no native
 * type stripping).
 */
export async function importTypeScriptFresh(path: string): Promise<Record<string, unknown>> {
  const { tsImport } = await import('tsx/esm/api')
  // Each tsImport call loads the file in a new namespace, so edits are seen.
  return tsImport(pathToFileURL(path).href, import.meta.url) as Promise<Record<string, unknown>>
}

/**
 * A module's exports. A CommonJS module compiled from ESM (tsx compiles a .ts file that way in a
 * package without "type": "module") carries them all on its default export, marked
 * `__esModule`; import() then shows only `default`.
 */
export function moduleExports(namespace: Record<string, unknown>): Record<string, unknown> {
  const inner = namespace.default as { __esModule?: unknown } | null | undefined
  if (typeof inner !== 'object' || inner === null || inner.__esModule !== true) return namespace
  return { ...inner }
}

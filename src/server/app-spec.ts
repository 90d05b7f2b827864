/**
 * `MODULE[:EXPORT]` and `MODULE:factory(...)` as text: parsed here, apart from the loader, so
 * that validating the `app` setting does not pull the app loader and every interface into the
 * master process.
 * @module
 */
import { parseCallArguments, type LiteralArgument } from './factory-call.ts'

/**
 * The export used when the spec names none; a module without one serves its default export
 * (`export default app`, `export default { fetch }`, as Bun, Deno and Workers take them).
 */
export const DEFAULT_EXPORT = 'app'

/** The file extensions MODULE may have when it is a path. */
export const APP_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cts', '.cjs'] as const

/** What to take from the module: an export, or what calling an exported factory returns. */
export type AppTarget =
  | { readonly kind: 'export'; readonly name: string; readonly implicit?: true }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly LiteralArgument[] }

export interface AppSpec {
  /** MODULE as written: a path or a package name. */
  readonly module: string
  readonly target: AppTarget
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
/** `:name(...)` at the end; the leftmost such colon, so a `:` inside the arguments stays there. */
const FACTORY_CALL = /:([A-Za-z_$][\w$]*)\((.*)\)$/s

/**
 * Splits `MODULE[:EXPORT]`: at the colon before a factory call `name(...)` that ends the spec,
 * else at the last colon, unless what follows holds a path separator: then the colon belongs to
 * the path (`C:\app.ts`).
 */
export function parseAppSpec(text: string): AppSpec {
  const spec = text.trim()
  const call = FACTORY_CALL.exec(spec)
  if (call) return parseFactoryCall(spec.slice(0, call.index), call[1]!, call[2]!)
  const colon = spec.lastIndexOf(':')
  const tail = colon < 0 ? undefined : spec.slice(colon + 1)
  const hasExport = tail !== undefined && !/[/\\]/.test(tail)
  const module = hasExport ? spec.slice(0, colon) : spec
  const name = hasExport ? tail : DEFAULT_EXPORT
  if (module === '') throw new InvalidAppSpec('is not MODULE[:EXPORT]: MODULE is empty')
  if (name === '') throw new InvalidAppSpec('is not MODULE[:EXPORT]: EXPORT is empty')
  if (!IDENTIFIER.test(name)) {
    throw new InvalidAppSpec(
      'is not MODULE[:EXPORT]: EXPORT must be an export name or a factory call, name(...)'
    )
  }
  return {
    module,
    target: hasExport ? { kind: 'export', name } : { kind: 'export', name, implicit: true },
  }
}

function parseFactoryCall(module: string, name: string, args: string): AppSpec {
  if (module === '') throw new InvalidAppSpec('is not MODULE[:EXPORT]: MODULE is empty')
  try {
    return { module, target: { kind: 'call', name, args: parseCallArguments(args) } }
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
    throw new InvalidAppSpec(`is not MODULE[:EXPORT]: in the call of ${name}, ${error.message}`)
  }
}

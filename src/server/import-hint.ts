/**
 * How an app or config file that failed to import is described: the error's own words, and a
 * hint where Node's message does not name the cause.
 * @module
 */
import { isTypeScriptFile } from './typescript.ts'

/**
 * Node's words when it loads a file with `import`/`export` as CommonJS: the nearest
 * package.json says `"type": "commonjs"` (what `npm init -y` writes since npm 11), so Node does
 * not look for module syntax. Node's own warning then suggests `.mjs`, even for a `.ts` file.
 */
const ESM_LOADED_AS_COMMONJS =
  /^(Cannot use import statement outside a module|Unexpected token 'export')/

/** A hint for `error`, raised importing `file`, to append to its message; '' when none applies. */
export function importHint(error: unknown, file: string): string {
  if (!(error instanceof SyntaxError) || !ESM_LOADED_AS_COMMONJS.test(error.message)) return ''
  const extension = isTypeScriptFile(file) ? '.mts' : '.mjs'
  const fix = `set "type": "module" in its package.json, or name it ${extension}`
  return ` (Node loaded it as CommonJS: ${fix})`
}

/** `Name: message` of an error raised importing `file`, with its hint. */
export function importErrorText(error: unknown, file: string): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return message + importHint(error, file)
}

/**
 * What to add to an import error whose cause Node's message does not name.
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
  return ` (Node loaded it as CommonJS: set "type": "module" in its package.json, or name it ${extension})`
}

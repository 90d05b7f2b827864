// Bundles the two process entry points, the master's CLI and the worker, from tsc's output into
// dist/bundle/. Node 20 spends about half a millisecond per ES module at startup: the master
// and each worker load some forty modules each, and as bundles they start about 20 ms sooner
// and the master holds about 4 MB less (measured in bench/, issue 5). The library keeps the
// per-module build in dist/, with its types.
//
// Chunks stay beside the entries: code in them finds worker-main.js and package.json relative
// to its own URL, as the per-module build does from dist/server/.
import { build } from 'esbuild'
import { isBuiltin } from 'node:module'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const outdir = `${dist}bundle`

rmSync(outdir, { recursive: true, force: true })
const { outputFiles } = await build({
  entryPoints: [`${dist}server/cli.js`, `${dist}server/worker-main.js`],
  outdir,
  bundle: true,
  // Interfaces, the app loader and tsx stay lazy: each becomes a chunk loaded on demand.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // tsc's source maps are read in, so stack traces still name src/ files and lines.
  sourcemap: true,
  logLevel: 'warning',
  plugins: [builtinsWithoutNamespace()],
  write: false,
})
mkdirSync(outdir, { recursive: true })
for (const { path, text } of outputFiles)
  writeFileSync(path, path.endsWith('.js') ? asciiOnly(text) : text)

/**
 * The code with every non-ASCII character replaced by `?`. esbuild escapes them in strings
 * and names, so what is left is in comments kept from tsc's output (an ellipsis, an arrow).
 * V8 holds a module's source for as long as the process lives, and one such character makes
 * it hold the whole source two bytes per character: 77 KB more for cli.js in the master. One
 * `?` per UTF-16 unit keeps every column where the source map says it is.
 */
function asciiOnly(code) {
  return code.replace(/[^\x00-\x7f]/g, '?')
}

/**
 * Makes every `import … from 'node:x'` read `x` from process.getBuiltinModule, one export at a
 * time. An ES import of a builtin builds its namespace object, and that reads every export,
 * lazy ones included: on Node 26 that loaded fs/promises and worker_threads into the master,
 * and undici, crypto, http2, zlib and tls into each worker, modules nothing calls (2.2 MiB of
 * the master's RSS, 9 MiB of each worker's). esbuild's CJS interop would read them all the same, hence one
 * pure binding per export: the bundles keep only the ones they use. The export names come
 * from the Node that builds; a name that the running Node lacks would read as undefined, and
 * esbuild fails the build on an import that names none of them.
 */
function builtinsWithoutNamespace() {
  const IDENTIFIER = /^[A-Za-z_$][\w$]*$/
  return {
    name: 'builtins-without-namespace',
    setup(build) {
      build.onResolve({ filter: /^[a-z_:/]+$/ }, ({ path }) =>
        isBuiltin(path) ? { path, namespace: 'node-builtin' } : undefined
      )
      build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, ({ path }) => {
        const names = Object.keys(process.getBuiltinModule(path)).filter(
          (n) => IDENTIFIER.test(n) && n !== 'default'
        )
        const lines = [
          `const __builtin = process.getBuiltinModule(${JSON.stringify(path)})`,
          'const __read = (name) => __builtin[name]',
          'export default __builtin',
          ...names.map((n) => `export const ${n} = /* @__PURE__ */ __read(${JSON.stringify(n)})`),
        ]
        return { contents: lines.join('\n'), loader: 'js' }
      })
    },
  }
}

// Bundles the two process entry points, the master's CLI and the worker, from tsc's output into
// dist/bundle/. Node 20 spends about half a millisecond per ES module at startup: the master
// and each worker load some forty modules each, and as bundles they start about 20 ms sooner
// and the master holds about 4 MB less (measured in bench/, issue 5). The library keeps the
// per-module build in dist/, with its types.
//
// Chunks stay beside the entries: code in them finds worker-main.js and package.json relative
// to its own URL, as the per-module build does from dist/server/.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const outdir = `${dist}bundle`

rmSync(outdir, { recursive: true, force: true })
await build({
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
})

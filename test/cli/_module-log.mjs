// Preloaded with `node --import` by test/cli/lazy-modules.test.ts: writes, when the process exits,
// every module it loaded, one per line, to the file named by IPXLAB_MODULE_LOG. ES modules are
// seen by a resolve hook (running on the loader's thread, it appends as it goes); CommonJS ones,
// including winston loaded through createRequire, are read from require's cache at exit.
import { register, createRequire } from 'node:module'
import { appendFileSync } from 'node:fs'

const out = process.env.IPXLAB_MODULE_LOG
if (out !== undefined) {
  register('./_module-log-hooks.mjs', import.meta.url)
  const cache = createRequire(import.meta.url).cache
  process.on('exit', () => {
    appendFileSync(out, Object.keys(cache).map(f => `file://${f}\n`).join(''))
  })
}

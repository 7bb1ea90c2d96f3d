/**
 * Whether a module is the program node was started with: `node dist/src/cli/main.js`, the
 * `ipxlab` bin (a symlink, resolved first: npm links bins, the image links /usr/local/bin/ipxlab),
 * or `node dist/src/cli/healthcheck.js`. Imported, such a module only exports.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** True when `moduleUrl` (the caller's `import.meta.url`) is the file of `process.argv[1]`, symlinks resolved. */
export function isEntryPoint (moduleUrl: string): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === fileURLToPath(moduleUrl)
  } catch {
    return false
  }
}

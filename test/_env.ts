/**
 * Where tests find real peers: the shared folder beside the project (`../shared`) and real tools
 * (tshark, dosbox). Absent locally, such a test skips with a clear message; with `CI` set it fails
 * instead, so a missing install can never pass CI silently.
 */
import { accessSync, constants, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import type { ExecutionContext } from 'ava'

/** The project root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** `../shared` from the project root. */
export const SHARED = path.resolve(ROOT, '..', 'shared')
/** The real third-party captures and their tshark decodes. */
export const REAL = path.join(SHARED, 'fixtures', 'real')

const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'

/**
 * True when `cmd` is an executable on PATH. A lookup, not a run: `ip --version` is an error in
 * iproute2 6.1 and `dosbox --version` opens SDL, so running a version flag is no test of presence.
 */
export function haveTool (cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    if (dir === '') continue
    try {
      accessSync(path.join(dir, cmd), constants.X_OK)
      return true
    } catch {}
  }
  return false
}

/**
 * Returns true when the test may run. Otherwise: under CI it fails the test, locally it logs why
 * and the caller returns (ava then reports the test as passed with the log line; use
 * {@link skipUnless} at registration time to have it listed as skipped instead).
 */
export function requireReal (t: ExecutionContext, what: { shared?: boolean, tools?: string[] }): boolean {
  const missing: string[] = []
  if (what.shared === true && !existsSync(REAL)) missing.push(`${REAL} (the shared folder beside the project)`)
  for (const tool of what.tools ?? []) if (!haveTool(tool)) missing.push(`the \`${tool}\` command`)
  if (missing.length === 0) return true
  if (inCi) t.fail(`CI is set but this test needs ${missing.join(' and ')}`)
  else t.log(`skipped: needs ${missing.join(' and ')}`)
  return false
}

/**
 * For registration: `skipUnless({ tools: ['tshark'] })(test)('title', fn)` registers a skipped
 * test (with the reason in its title) when a real peer is absent and CI is not set. Under CI the
 * test is registered normally and fails in {@link requireReal}.
 */
export function realMissing (what: { shared?: boolean, tools?: string[] }): string | undefined {
  if (inCi) return undefined
  const missing: string[] = []
  if (what.shared === true && !existsSync(REAL)) missing.push('../shared')
  for (const tool of what.tools ?? []) if (!haveTool(tool)) missing.push(tool)
  return missing.length > 0 ? `needs ${missing.join(', ')}` : undefined
}

/**
 * Files that ship with ipxlab, found from the package root, so the same code works from the
 * sources (src/, run with tsx) and from the build (dist/src/).
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder holding ipxlab's package.json. */
export function packageRoot (): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir)
    if (up === dir) throw new Error('ipxlab: cannot find the package root (package.json) above ' + fileURLToPath(import.meta.url))
    dir = up
  }
  return dir
}

/** The bundled sample capture that `ipxlab lab` replays. */
export function sampleCapture (): string {
  return path.join(packageRoot(), 'fixtures', 'lab-sample.pcapng')
}

/**
 * The lab's key file (`--key-file FILE`, `IPXLAB_KEY_FILE`): the pre-shared key of the native
 * links, read from a file instead of the command line or the environment, and made on first use.
 *
 * A missing file is created with a fresh random key (32 bytes from `crypto.randomBytes`, written
 * as 64 hex digits and a newline, mode 0600), so the containers of `compose.yaml` share a key on a
 * volume with no hand-made set-up step. Two nodes that start at once on the same volume both find
 * the file missing: each writes its key to a temporary file beside it and hard-links that to the
 * name (`link(2)` fails with EEXIST when the name exists, and is atomic), so exactly one key wins
 * and the other node reads it, never a half-written file.
 */
import { randomBytes } from 'node:crypto'
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../errors.js'
import { parseKey } from './config.js'

/** Bytes of a generated key, as `openssl rand -hex 32` makes; SPEC.md §4 needs at least 16. */
export const GENERATED_KEY_BYTES = 32

/** What {@link loadOrCreateKeyFile} found: the key's text, and whether this call made the file. */
export interface KeyFile {
  /** The key as the file holds it (hex or base64), trimmed. */
  text: string
  created: boolean
}

/** Reads the key of `file`, creating the file with a new random key when it does not exist. */
export function loadOrCreateKeyFile (file: string): KeyFile {
  const existing = readKey(file)
  if (existing !== undefined) return { text: existing, created: false }
  const text = randomBytes(GENERATED_KEY_BYTES).toString('hex')
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}`)
  try {
    writeFileSync(tmp, text + '\n', { mode: 0o600, flag: 'wx' })
    linkSync(tmp, file)
    return { text, created: true }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') {
      // Another node made it first: use that key.
      const theirs = readKey(file)
      if (theirs !== undefined) return { text: theirs, created: false }
    }
    throw new ConfigError('key-file', `cannot create ${file}: ${(err as Error).message}`)
  } finally {
    rmSync(tmp, { force: true })
  }
}

/** The trimmed, checked key text of an existing file; undefined when the file does not exist. */
function readKey (file: string): string | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError('key-file', `cannot read ${file}: ${(err as Error).message}`)
  }
  const checked = parseKey(text)
  if (typeof checked === 'string') throw new ConfigError('key-file', `${file} ${checked}`)
  return text
}

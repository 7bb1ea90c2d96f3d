/** Runs `ipxlab` in-process with captured output, as a person would see it. */
import { PassThrough } from 'node:stream'
import { main } from '../src/cli/main.js'

/** What a run printed, and its exit status. */
export interface Run { code: number, stdout: string, stderr: string }

/** Two in-memory streams for a command's `io`; `tty` makes stderr look like a terminal (progress bars). */
export function captureIo (options: { tty?: boolean } = {}): { io: { stdout: PassThrough, stderr: PassThrough }, text: () => { stdout: string, stderr: string } } {
  const stdout = new PassThrough()
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean, columns?: number }
  if (options.tty === true) {
    stderr.isTTY = true
    stderr.columns = 120
  }
  const out: Buffer[] = []
  const err: Buffer[] = []
  stdout.on('data', (c: Buffer) => out.push(c))
  stderr.on('data', (c: Buffer) => err.push(c))
  return { io: { stdout, stderr }, text: () => ({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }) }
}

/** `ipxlab ...argv`, in-process. */
export async function runCli (argv: readonly string[], options: { tty?: boolean } = {}): Promise<Run> {
  const { io, text } = captureIo(options)
  const code = await main(argv, io)
  return { code, ...text() }
}

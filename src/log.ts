/**
 * The only import of winston. Every other layer receives the small {@link Logger} interface.
 *
 * winston is loaded when the first line is written, not when a logger is made: a node that logs
 * nothing (`--log-level warn` on a quiet relay, every silent logger of the tests and of library
 * callers) never carries it, which is about 4.6 MB of peak RSS (issue 18: a relay's memory beside
 * ipxbox's). Each method checks the level itself first, against winston's npm levels, so a line
 * below the level costs no load either.
 */
import { createRequire } from 'node:module'
import type Winston from 'winston'

/** What components log through. Per-packet lines are `debug` only. */
export interface Logger {
  error: (message: string, meta?: Record<string, unknown>) => void
  warn: (message: string, meta?: Record<string, unknown>) => void
  info: (message: string, meta?: Record<string, unknown>) => void
  debug: (message: string, meta?: Record<string, unknown>) => void
  /** A logger whose lines carry `meta` too, e.g. `{ component: 'transport/udp' }`. */
  child: (meta: Record<string, unknown>) => Logger
  /** True when debug lines would be written (guards costly formatting on hot paths). */
  isDebugEnabled: () => boolean
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** `error`, `warn`, `info` (default) or `debug`. */
  level?: string
  /** Write JSON lines instead of human text. */
  json?: boolean
  /** Where lines go; default stderr, so stdout stays clean for data. */
  stream?: NodeJS.WritableStream
  /** Write nothing (tests). */
  silent?: boolean
}

/**
 * winston's default levels (the npm ones: error 0, warn 1, info 2, http 3, verbose 4, debug 5,
 * silly 6; winston README, "Logging levels"); a line is written when its level's number is at most
 * the logger's.
 */
const NPM_LEVELS: Readonly<Record<string, number>> = { error: 0, warn: 1, info: 2, http: 3, verbose: 4, debug: 5, silly: 6 }

/** winston itself, loaded on first use (it is CommonJS, so `require` loads it synchronously). */
let winstonModule: typeof Winston | undefined
function winston (): typeof Winston {
  winstonModule ??= createRequire(import.meta.url)('winston') as typeof Winston
  return winstonModule
}

/** A {@link Logger} over a winston logger that `make` builds the first time a line passes `max`. */
function lazy (make: () => Winston.Logger, max: number): Logger {
  let w: Winston.Logger | undefined
  const get = (): Winston.Logger => (w ??= make())
  return {
    error: (m, meta) => { if (max >= 0) get().error(m, meta) },
    warn: (m, meta) => { if (max >= 1) get().warn(m, meta) },
    info: (m, meta) => { if (max >= 2) get().info(m, meta) },
    debug: (m, meta) => { if (max >= 5) get().debug(m, meta) },
    child: (meta) => lazy(() => get().child(meta), max),
    isDebugEnabled: () => max >= 5
  }
}

function build (options: LoggerOptions): Winston.Logger {
  const { format, createLogger, transports } = winston()
  const lineFormat = options.json === true
    ? format.combine(format.timestamp(), format.json())
    : format.combine(
      format.timestamp({ format: 'HH:mm:ss.SSS' }),
      format.printf(({ timestamp, level, message, component, ...rest }) => {
        const extra = Object.keys(rest).length > 0 ? ' ' + JSON.stringify(rest) : ''
        const comp = typeof component === 'string' ? ` [${component}]` : ''
        return `${String(timestamp)} ${level}${comp} ${String(message)}${extra}`
      }))
  return createLogger({
    level: options.level ?? 'info',
    silent: options.silent === true,
    format: lineFormat,
    transports: [new transports.Stream({ stream: options.stream ?? process.stderr })]
  })
}

/**
 * A winston logger behind the {@link Logger} interface, made on the first line written. A level
 * that is not one of the npm levels is handed to winston at once, which then says what is wrong.
 */
export function createLogger (options: LoggerOptions = {}): Logger {
  if (options.silent === true) return lazy(() => build(options), -1)
  const max = NPM_LEVELS[options.level ?? 'info']
  if (max === undefined) {
    const w = build(options)
    return lazy(() => w, NPM_LEVELS[w.level] ?? 6)
  }
  return lazy(() => build(options), max)
}

/** A logger that writes nothing, for tests and library callers that pass none. */
export function silentLogger (): Logger {
  return createLogger({ silent: true })
}

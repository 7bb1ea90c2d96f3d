/**
 * The only import of winston. Every other layer receives the small {@link Logger} interface.
 */
import winston from 'winston'

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

function wrap (w: winston.Logger): Logger {
  return {
    error: (m, meta) => { w.error(m, meta) },
    warn: (m, meta) => { w.warn(m, meta) },
    info: (m, meta) => { w.info(m, meta) },
    debug: (m, meta) => { w.debug(m, meta) },
    child: (meta) => wrap(w.child(meta)),
    isDebugEnabled: () => w.isDebugEnabled()
  }
}

/** A winston logger behind the {@link Logger} interface. */
export function createLogger (options: LoggerOptions = {}): Logger {
  const format = options.json === true
    ? winston.format.combine(winston.format.timestamp(), winston.format.json())
    : winston.format.combine(
      winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
      winston.format.printf(({ timestamp, level, message, component, ...rest }) => {
        const extra = Object.keys(rest).length > 0 ? ' ' + JSON.stringify(rest) : ''
        const comp = typeof component === 'string' ? ` [${component}]` : ''
        return `${String(timestamp)} ${level}${comp} ${String(message)}${extra}`
      }))
  const w = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent === true,
    format,
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stderr })]
  })
  return wrap(w)
}

/** A logger that writes nothing, for tests and library callers that pass none. */
export function silentLogger (): Logger {
  return createLogger({ silent: true })
}

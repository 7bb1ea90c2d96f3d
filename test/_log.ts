/** A {@link Logger} that records every line (all levels, children included), for tests that count log lines. */
import type { Logger } from '../src/log.js'

export interface LogLine { level: 'error' | 'warn' | 'info' | 'debug', message: string, meta: Record<string, unknown> }

export function recordingLogger (debug = false): { logger: Logger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const make = (base: Record<string, unknown>): Logger => {
    const at = (level: LogLine['level']) => (message: string, meta?: Record<string, unknown>): void => { lines.push({ level, message, meta: { ...base, ...(meta ?? {}) } }) }
    return { error: at('error'), warn: at('warn'), info: at('info'), debug: debug ? at('debug') : () => {}, child: (m) => make({ ...base, ...m }), isDebugEnabled: () => debug }
  }
  return { logger: make({}), lines }
}

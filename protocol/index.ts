/**
 * ipxlab's pure codec: wire formats only, no sockets, timers, logging or process.
 * `import { ipx } from 'ipxlab/protocol'` then `ipx.header.decode(buf)`.
 */
export * from './errors.js'
export * from './constants.js'
export { defineLayout, layoutTable } from './layout.js'
export type { Layout, Field, FieldSpec, FieldType } from './layout.js'
export * as ipx from './ipx/index.js'

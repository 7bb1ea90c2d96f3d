/**
 * ipxlab's pure codec: wire formats only, no sockets, timers, logging or process.
 * `import { ipx } from 'ipxlab/protocol'` then `ipx.header.decode(buf)`.
 */
export * from './errors.js'
export * from './constants.js'
export { defineLayout, composeLayouts, layoutTable } from './layout.js'
export type { Layout, Field, FieldSpec, FieldType } from './layout.js'
export * as ipx from './ipx/index.js'
export * as tunnel from './tunnel/index.js'
export * as snp from './snp/index.js'
export * as spx from './spx.js'
export * as ncp from './ncp.js'
export * as diag from './diag.js'
export * as ping from './ping.js'
export * as upper from './upper.js'
export * as ethernet from './ethernet.js'
export * as link from './link.js'
export * as capture from './capture/index.js'
export * as sap from './sap.js'
export * as rip from './rip.js'
export * as netbios from './netbios.js'
export * as columns from './columns.js'
export * as ncpFunctions from './ncp-functions.js'

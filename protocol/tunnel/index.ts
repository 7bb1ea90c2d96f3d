/**
 * The 2644 tunnel: ipxlab's native node-to-node frame (a labelled reconstruction of "Travsoft IPX
 * Tunnel", see SPEC.md), its authentication and replay window, the control-message bodies, and the
 * TCP deframers for native frames and for bare IPX. `import { tunnel } from 'ipxlab/protocol'`.
 */
export * from './frame.js'
export * from './messages.js'
export * from './timestamp.js'
export * from './auth.js'
export * from './deframe.js'
export * from './fragment.js'

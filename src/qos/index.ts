/**
 * The SNP-style QoS stage, pure: classifier, scheduler, shaper, WAN emulator, era profiles and the
 * virtual-clock simulation. No timers, no sockets; the clock is an argument everywhere. The node
 * (src/node) wires one stage per link between the router and the native tunnel.
 */
export * from './classes.js'
export * from './rules.js'
export * from './classifier.js'
export * from './scheduler.js'
export * from './shaper.js'
export * from './wan.js'
export * from './random.js'
export * from './profiles.js'
export * from './simulate.js'

/**
 * ipxlab's public API: the emulated node and its parts, for programs that run nodes themselves.
 * The pure codec is also importable on its own, without sockets or winston: `ipxlab/protocol`.
 */
export * from '../protocol/index.js'
export { IpxNode, startNode } from './node/node.js'
export type { NodeRuntime, NodeStats } from './node/node.js'
export { validateConfig, mergeConfigSources, readConfigFile } from './node/config.js'
export type { NodeConfig, PeerConfig } from './node/config.js'
export { Router } from './node/router.js'
export { LinkQos } from './node/link-qos.js'
export { Classifier } from './qos/classifier.js'
export { PROFILES, profile } from './qos/profiles.js'
export { readCapture } from './capture/reader.js'
export { CaptureWriter } from './capture/writer.js'
export { readFrames, locateRecord } from './capture/frames.js'
export { Replayer, DosboxSender, NativeSender } from './capture/replay.js'
export { DosboxServer } from './transport/dosbox-server.js'
export { NativeLink } from './transport/native-link.js'
export { Counters, DropReason } from './transport/counters.js'
export { ConfigError, TransportError, CaptureError } from './errors.js'
export { createLogger } from './log.js'
export type { Logger } from './log.js'

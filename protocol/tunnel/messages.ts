/**
 * Bodies of the native link's control messages (SPEC.md §3): hello / hello-ack, keepalive-ack (echo)
 * and bye. Every body is fixed-size; a new field means a new message type or version. All of this is
 * ipxlab's own design (SPEC.md §8, R13): Travsoft's format does not survive.
 */
import { defineLayout } from '../layout.js'
import { DecodeError, EncodeError } from '../errors.js'
import { hex } from '../constants.js'
import type { Timestamp } from './timestamp.js'

/** Native message types (header offset 5). Unknown values decode with a raw payload. */
export const MessageType = {
  /** 1: one whole IPX packet. */
  Data: 1,
  /** 2: opens a link; carries a {@link HelloBody}. */
  Hello: 2,
  /** 3: answers a hello with the responder's own {@link HelloBody}. */
  HelloAck: 3,
  /** 4: liveness probe; empty body. */
  Keepalive: 4,
  /** 5: answers a keepalive with an {@link EchoBody}. */
  KeepaliveAck: 5,
  /** 6: closes the link; carries a {@link ByeBody}. */
  Bye: 6,
  /** 7 (version 2 frames only): one fragment of an IPX packet (fragment.ts, SPEC.md §3.2). */
  Fragment: 7
} as const
export type MessageType = typeof MessageType[keyof typeof MessageType]

const MESSAGE_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'data'], [2, 'hello'], [3, 'hello-ack'], [4, 'keepalive'], [5, 'keepalive-ack'], [6, 'bye'], [7, 'fragment']
])

/** `data`, `hello`, ...; unknown values read `Unknown(0x1f)`. */
export function messageTypeName (type: number): string {
  return MESSAGE_TYPE_NAMES.get(type) ?? `Unknown(0x${hex(type, 2)})`
}

/** How a node joins the lab (hello offset 4). */
export const LinkMode = {
  /** 0: both nodes share one IPX segment. */
  Bridge: 0,
  /** 1: each node has its own network; RIP/SAP between them. */
  Route: 1
} as const
export type LinkMode = typeof LinkMode[keyof typeof LinkMode]

/** `bridge`, `route`, or `Unknown(0x07)`. */
export function linkModeName (mode: number): string {
  return mode === 0 ? 'bridge' : mode === 1 ? 'route' : `Unknown(0x${hex(mode, 2)})`
}

/** Capability bits (hello offset 6). Unknown bits are sent 0 and ignored. */
export const Capability = {
  /** bit 0: accepts native frames over TCP. */
  Tcp: 0x0001,
  /** bit 1: can authenticate (HMAC tag). */
  Auth: 0x0002,
  /** bit 2: classifies into traffic classes. */
  Qos: 0x0004,
  /** bit 3: answers keepalives with an echo. */
  Echo: 0x0008,
  /** bit 4: reassembles fragments (version 2 frames, type 7; SPEC.md §3.2). */
  Fragment: 0x0010
} as const

/** Reason codes of a bye (bye offset 0). Unknown values decode. */
export const ByeReason = {
  /** 0: the node is shutting down. */
  Shutdown: 0,
  /** 1: the peer's frames did not authenticate. */
  AuthFailed: 1,
  /** 2: the peer speaks a version this node does not. */
  VersionUnsupported: 2,
  /** 3: the configurations disagree (mode, network, class table). */
  ConfigMismatch: 3,
  /** 4: the peer fell silent. */
  Timeout: 4
} as const
export type ByeReason = typeof ByeReason[keyof typeof ByeReason]

/** Size of the class-table digest placeholder in a hello. */
export const CLASS_DIGEST_LENGTH = 8

/** The fixed fields of a hello body, i.e. all but the digest. */
export interface HelloFields {
  /** Offset 0, u32: the sender's IPX network number. */
  network: number
  /** Offset 4, u8: {@link LinkMode}. */
  mode: number
  /** Offset 5, u8: sent 0, ignored. */
  reserved: number
  /** Offset 6, u16: {@link Capability} bits. */
  capabilities: number
  /** Offset 8, u16: seconds between the sender's keepalives; 0 = none. */
  keepaliveInterval: number
  /** Offset 10, u16: largest IPX packet the sender accepts, in bytes. */
  maxPacket: number
}

/** Body of hello and hello-ack (20 bytes). */
export interface HelloBody extends HelloFields {
  /** Offset 12, 8 bytes: class-table digest placeholder; all zero = not announced. */
  classDigest: Buffer
}

/** The fixed part of the hello body; the 8-byte digest follows it. */
export const HELLO_FIELDS = defineLayout<HelloFields>('tunnel', 'native hello body', [
  { name: 'network', type: 'u32', doc: 'the sender\'s IPX network number' },
  { name: 'mode', type: 'u8', doc: '0 bridge, 1 route' },
  { name: 'reserved', type: 'u8', doc: 'sent 0, ignored' },
  { name: 'capabilities', type: 'u16', doc: 'bit 0 TCP, 1 auth, 2 QoS classes, 3 keepalive echo, 4 fragments (LFI)' },
  { name: 'keepaliveInterval', type: 'u16', doc: 'seconds between keepalives; 0 = none' },
  { name: 'maxPacket', type: 'u16', doc: 'largest IPX packet accepted (DOSBox IPXBUFFERSIZE is 1424)' }
])

/** Hello body size: 12 fixed bytes plus the 8-byte digest. */
export const HELLO_BODY_LENGTH = HELLO_FIELDS.length + CLASS_DIGEST_LENGTH

/** Body of keepalive-ack (12 bytes): what the keepalive being answered carried. */
export interface EchoBody {
  /** Offset 0, u32: the keepalive's sequence. */
  echoSequence: number
  /** Offsets 4 and 8: the keepalive's timestamp. */
  echoTimestamp: Timestamp
}

/** The echo body layout. */
export const ECHO_BODY = defineLayout<EchoBody>('tunnel', 'native keepalive-ack body', [
  { name: 'echoSequence', type: 'u32', doc: 'sequence of the keepalive answered' },
  { name: 'echoTimestamp.seconds', type: 'u32', doc: 'its timestamp, seconds' },
  { name: 'echoTimestamp.micros', type: 'u32', doc: 'its timestamp, microseconds 0..999999' }
])

/** Echo body size. */
export const ECHO_BODY_LENGTH = ECHO_BODY.length

/** Body of bye (2 bytes). */
export interface ByeBody {
  /** Offset 0, u16: {@link ByeReason}. */
  reason: number
}

/** The bye body layout. */
export const BYE_BODY = defineLayout<ByeBody>('tunnel', 'native bye body', [
  { name: 'reason', type: 'u16', doc: '0 shutdown, 1 auth failed, 2 version unsupported, 3 config mismatch, 4 timeout' }
])

/** Bye body size. */
export const BYE_BODY_LENGTH = BYE_BODY.length

/**
 * The body size a known message type requires, `-1` for data (at least 30, checked against the IPX
 * length) and for unknown types (anything). SPEC.md §3.
 */
export function bodyLength (type: number): number {
  switch (type) {
    case MessageType.Hello:
    case MessageType.HelloAck: return HELLO_BODY_LENGTH
    case MessageType.Keepalive: return 0
    case MessageType.KeepaliveAck: return ECHO_BODY_LENGTH
    case MessageType.Bye: return BYE_BODY_LENGTH
    default: return -1
  }
}

function allocFor (size: number, buf: Buffer | undefined, offset: number): Buffer {
  const out = buf ?? Buffer.alloc(offset + size)
  if (!(offset >= 0 && offset + size <= out.length)) {
    throw new EncodeError('tunnel', 'IPX_ERR_BUFFER_TOO_SMALL', `need ${size} bytes at offset ${offset}, buffer has ${out.length}`)
  }
  return out
}

/** Writes a 20-byte hello body at `offset` of `buf` (allocated when omitted) and returns `buf`. */
export function encodeHello (body: HelloBody, buf?: Buffer, offset = 0): Buffer {
  if (body.classDigest.length !== CLASS_DIGEST_LENGTH) {
    throw new EncodeError('tunnel', 'IPX_ERR_FIELD_RANGE', `classDigest must be ${CLASS_DIGEST_LENGTH} bytes, got ${body.classDigest.length}`, 'classDigest')
  }
  const out = allocFor(HELLO_BODY_LENGTH, buf, offset)
  HELLO_FIELDS.write(body, out, offset)
  body.classDigest.copy(out, offset + HELLO_FIELDS.length)
  return out
}

/** Reads a hello body at `offset`. `classDigest` is a view into `buf`. Throws {@link DecodeError}. */
export function decodeHello (buf: Buffer, offset = 0): HelloBody {
  const fields = HELLO_FIELDS.read(buf, offset)
  if (buf.length - offset < HELLO_BODY_LENGTH) {
    throw new DecodeError('tunnel', 'IPX_ERR_TRUNCATED', offset + HELLO_FIELDS.length, `hello body needs ${HELLO_BODY_LENGTH} bytes`)
  }
  const d = offset + HELLO_FIELDS.length
  return { ...fields, classDigest: buf.subarray(d, d + CLASS_DIGEST_LENGTH) }
}

/** Writes a 12-byte echo body. */
export function encodeEcho (body: EchoBody, buf?: Buffer, offset = 0): Buffer {
  const out = allocFor(ECHO_BODY_LENGTH, buf, offset)
  ECHO_BODY.write(body, out, offset)
  return out
}

/** Reads an echo body at `offset`. Throws {@link DecodeError}. */
export function decodeEcho (buf: Buffer, offset = 0): EchoBody {
  return ECHO_BODY.read(buf, offset)
}

/** Writes a 2-byte bye body. */
export function encodeBye (body: ByeBody, buf?: Buffer, offset = 0): Buffer {
  const out = allocFor(BYE_BODY_LENGTH, buf, offset)
  BYE_BODY.write(body, out, offset)
  return out
}

/** Reads a bye body at `offset`. Throws {@link DecodeError}. */
export function decodeBye (buf: Buffer, offset = 0): ByeBody {
  return BYE_BODY.read(buf, offset)
}

/**
 * Writing capture files: pcapng (one interface per attachment, each with a name and link type) or
 * classic pcap. Every record is encoded and handed to the kernel with `fs.writeSync` at once, so the
 * file on disk is readable up to its last whole record even if the process is killed; nothing is
 * buffered in the process. The encoders are the pure ones of protocol/capture.
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import * as capture from '../../protocol/capture/index.js'
import { CaptureError } from '../errors.js'

/** An interface (pcapng IDB) of a capture file. */
export interface CaptureInterfaceSpec {
  /** if_name, e.g. the attachment name `dosbox0`. */
  name: string
  /** LINKTYPE_* of the frames written on it, e.g. `capture.LinkType.Ethernet`. */
  linkType: number
  /** Most bytes kept of a frame; default 262144. */
  snaplen?: number
  /** if_description. */
  description?: string
}

/** Options of {@link CaptureWriter}. */
export interface CaptureWriterOptions {
  /** `'pcapng'` (default) or `'pcap'`. A pcap file has exactly one interface. */
  format?: 'pcap' | 'pcapng'
  /** Interfaces known at creation; pcapng may add more later with {@link CaptureWriter.addInterface}. */
  interfaces: readonly CaptureInterfaceSpec[]
  /** pcap only: nanosecond timestamps (magic A1B23C4D). Default true; false writes microseconds. */
  nanosecond?: boolean
  /** Where `timestampNs` comes from when a frame has none; default the wall clock. */
  now?: () => bigint
}

/** A frame to write. */
export interface CaptureFrame {
  /** The link-layer frame. */
  data: Buffer
  /** Interface index (the order of `interfaces`, then of `addInterface`); default 0. */
  interfaceId?: number
  /** Nanoseconds since the epoch; default `now()`. */
  timestampNs?: bigint
  /** Length on the wire; default `data.length`. */
  originalLength?: number
}

/** Wall clock in nanoseconds since the epoch (millisecond precision). */
function wallClockNs (): bigint {
  return BigInt(Date.now()) * 1_000_000n
}

/** pcapng timestamps are written in nanoseconds: if_tsresol 9 (draft-ietf-opsawg-pcapng §4.2). */
const TSRESOL_NS = 9

/**
 * Bytes a capture on standard output (`-`) may have waiting for its reader (Wireshark, tshark):
 * beyond this the reader is not keeping up and the capture stops with an error rather than grow
 * without bound.
 */
export const STDOUT_BACKLOG_BYTES = 8 * 1024 * 1024

/**
 * Appends frames to a capture file record by record.
 *
 * ```ts
 * const w = new CaptureWriter('lab.pcapng', { interfaces: [{ name: 'dosbox0', linkType: capture.LinkType.Ethernet }] })
 * w.write({ data: frame, interfaceId: 0 })
 * w.close()
 * ```
 */
export class CaptureWriter {
  /** The file written. */
  readonly path: string
  /** `'pcap'` or `'pcapng'`. */
  readonly format: 'pcap' | 'pcapng'
  #fd: number | undefined
  /** Path `-`: the records go to standard output (`ipxlab node --capture - | wireshark -k -i -`). */
  #stdout: NodeJS.WriteStream | undefined
  #stdoutError: string | undefined
  readonly #interfaces: capture.pcapng.InterfaceInput[] = []
  readonly #nanosecond: boolean
  readonly #now: () => bigint
  #records = 0
  #bytes = 0

  /**
   * Creates (or truncates) `path` and writes the file header (pcap) or the Section Header Block and
   * the interfaces (pcapng). Throws {@link CaptureError} IPX_ERR_CAPTURE_OPEN when the file cannot
   * be created, and EncodeError or CaptureError for bad options.
   */
  constructor (path: string, options: CaptureWriterOptions) {
    this.path = path
    this.format = options.format ?? 'pcapng'
    this.#nanosecond = options.nanosecond ?? true
    this.#now = options.now ?? wallClockNs
    if (this.format === 'pcap' && options.interfaces.length !== 1) {
      throw new CaptureError('IPX_ERR_CAPTURE_FORMAT', path, `a pcap file has exactly one interface, ${options.interfaces.length} given`)
    }
    const head: Buffer[] = []
    if (this.format === 'pcap') {
      const i = options.interfaces[0]!
      this.#interfaces.push(toIdb(i))
      head.push(capture.pcap.encodeFileHeader({
        byteOrder: 'le',
        nanosecond: this.#nanosecond,
        versionMajor: capture.pcap.PCAP_VERSION_MAJOR,
        versionMinor: capture.pcap.PCAP_VERSION_MINOR,
        thiszone: 0,
        sigfigs: 0,
        snaplen: i.snaplen ?? capture.DEFAULT_SNAPLEN,
        linkType: i.linkType
      }))
    } else {
      // Option 4 is shb_userappl, the writing application (draft-ietf-opsawg-pcapng §4.1).
      head.push(capture.pcapng.encodeSectionHeader({ options: [{ code: 4, value: 'ipxlab' }] }))
      for (const i of options.interfaces) {
        const idb = toIdb(i)
        this.#interfaces.push(idb)
        head.push(capture.pcapng.encodeInterface(idb))
      }
    }
    try {
      if (path === '-') {
        // Through the stream, not writeSync(1): Node makes a piped stdout non-blocking, and a
        // reader that falls behind would make writeSync fail with EAGAIN.
        const out = process.stdout
        out.on('error', (err: NodeJS.ErrnoException) => { this.#stdoutError ??= err.code ?? err.message })
        this.#stdout = out
      } else {
        this.#fd = openSync(path, 'w')
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error'
      throw new CaptureError('IPX_ERR_CAPTURE_OPEN', path, `cannot create capture file (${code})`, { cause: err })
    }
    this.#append(Buffer.concat(head))
  }

  /** Frames written so far. */
  get recordCount (): number { return this.#records }
  /** Bytes written so far, headers included. */
  get bytesWritten (): number { return this.#bytes }
  /** Interfaces so far (index = interface id). */
  get interfaceCount (): number { return this.#interfaces.length }

  /**
   * Adds an interface (a pcapng IDB, written now) and returns its id. pcapng allows an IDB anywhere
   * in a section before the packets that use it (draft-ietf-opsawg-pcapng §4.2), so a node can add
   * an attachment while capturing. Not possible in pcap.
   */
  addInterface (spec: CaptureInterfaceSpec): number {
    if (this.format === 'pcap') throw new CaptureError('IPX_ERR_CAPTURE_FORMAT', this.path, 'a pcap file cannot have a second interface')
    const idb = toIdb(spec)
    const block = capture.pcapng.encodeInterface(idb)
    this.#append(block)
    this.#interfaces.push(idb)
    return this.#interfaces.length - 1
  }

  /** Appends one frame as one record, written to the file before returning. Throws EncodeError on a bad field. */
  write (frame: CaptureFrame): void {
    const interfaceId = frame.interfaceId ?? 0
    const idb = this.#interfaces[interfaceId]
    if (idb === undefined) {
      throw new CaptureError('IPX_ERR_CAPTURE_FORMAT', this.path, `frame names interface ${interfaceId}, the file has ${this.#interfaces.length}`)
    }
    const record = {
      data: frame.data,
      timestampNs: frame.timestampNs ?? this.#now(),
      interfaceId,
      ...(frame.originalLength !== undefined ? { originalLength: frame.originalLength } : {})
    }
    const bytes = this.format === 'pcap'
      ? capture.pcap.encodeRecord(record, { nanosecond: this.#nanosecond, byteOrder: 'le', snaplen: idb.snaplen ?? capture.DEFAULT_SNAPLEN })
      : capture.pcapng.encodeEnhancedPacket(record, idb)
    this.#append(bytes)
    this.#records++
  }

  /**
   * Closes the file. Every record was already handed to the kernel by {@link write}, so there is no
   * buffer left to flush; closing twice is harmless.
   */
  close (): void {
    this.#stdout = undefined
    if (this.#fd === undefined) return
    const fd = this.#fd
    this.#fd = undefined
    closeSync(fd)
  }

  /** Writes all of `bytes` (writeSync may write fewer bytes than asked; loop, bounded by the length). */
  #append (bytes: Buffer): void {
    const out = this.#stdout
    if (out !== undefined) {
      if (this.#stdoutError !== undefined) throw new CaptureError('IPX_ERR_CAPTURE_OPEN', this.path, `cannot write to standard output (${this.#stdoutError})`)
      if (out.writableLength > STDOUT_BACKLOG_BYTES) throw new CaptureError('IPX_ERR_CAPTURE_OPEN', this.path, `the reader of standard output is more than ${STDOUT_BACKLOG_BYTES} bytes behind`)
      // A copy: callers may reuse their buffer once write() returns, and the stream keeps this one.
      out.write(Buffer.from(bytes))
      this.#bytes += bytes.length
      return
    }
    if (this.#fd === undefined) throw new CaptureError('IPX_ERR_CAPTURE_OPEN', this.path, 'capture file is closed')
    let done = 0
    try {
      while (done < bytes.length) {
        const n = writeSync(this.#fd, bytes, done, bytes.length - done)
        if (n <= 0) throw new Error('write made no progress')
        done += n
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
      throw new CaptureError('IPX_ERR_CAPTURE_OPEN', this.path, `cannot write to capture file (${code})`, { cause: err })
    }
    this.#bytes += bytes.length
  }
}

function toIdb (spec: CaptureInterfaceSpec): capture.pcapng.InterfaceInput {
  return {
    name: spec.name,
    linkType: spec.linkType,
    snaplen: spec.snaplen ?? capture.DEFAULT_SNAPLEN,
    tsresol: TSRESOL_NS,
    ...(spec.description !== undefined ? { description: spec.description } : {})
  }
}

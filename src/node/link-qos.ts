/**
 * The QoS stage of one peer link, on real time: the pure pieces of src/qos (classifier, FIFO or SNP
 * scheduler, WAN emulator) driven by timers, between the router and the native link.
 *
 *  1. {@link LinkQos.enqueue}: the classifier names the packet's traffic class (its index travels
 *     in the native frame's class byte, so the far side can report per class).
 *  2. Without a discipline (`none`, the default) it goes to the link at once.
 *  3. With `fifo` or `snp` it is queued; a refused packet is counted by the scheduler's reason.
 *     The pump dequeues whenever the emulated link is free (or will be within
 *     {@link LOOKAHEAD_MS}, so a 1 ms timer tick does not idle a link whose frames take less), and
 *     the WAN emulator serialises it at the link rate and adds delay, jitter, loss, duplication or
 *     reordering; each delivery is sent to the link when its time comes.
 *  The queueing delay recorded per class is the time from arrival here to the start of
 *  transmission on the emulated link (issue 6's definition): the link's own delay is not in it.
 */
import { Classifier } from '../qos/classifier.js'
import { DEFAULT_CLASS_TABLE, TRAFFIC_CLASSES, classIndex } from '../qos/classes.js'
import type { TrafficClass, ClassTable } from '../qos/classes.js'
import { createScheduler } from '../qos/scheduler.js'
import type { Scheduler } from '../qos/scheduler.js'
import { WanEmulator } from '../qos/wan.js'
import type { WanOptions } from '../qos/wan.js'
import { percentile } from '../qos/simulate.js'
import type { DropReason } from '../transport/counters.js'
import type { Logger } from '../log.js'
import { FRAGMENT_HEADER_LENGTH, fragmentPacket } from '../../protocol/tunnel/fragment.js'
import { LFI_CLASSES, fragmentOverheadBytes, lfiClassTable } from './lfi.js'
import type { LfiSettings, LfiStats } from './lfi.js'

/** How far ahead the pump may start a transmission, ms: below a timer tick. */
export const LOOKAHEAD_MS = 1
/** Queueing-delay samples kept per class for the percentiles (the most recent). */
export const DELAY_SAMPLES = 20_000
/**
 * How far back a late timer may start the next transmission, ms. A timer that fires late (a busy
 * event loop, a shared machine) would otherwise leave the emulated link idle for the lateness; the
 * link is a model, so the next frame starts when the link really became free, up to this bound.
 */
export const CATCH_UP_MS = 50

/** Options of {@link LinkQos}. */
export interface LinkQosOptions {
  /** `none` (classify, send at once), `fifo` or `snp`. Default `none`. */
  discipline?: 'none' | 'fifo' | 'snp'
  /** Link rate in bit/s; required by `fifo` and `snp`. */
  rateBps?: number
  /** WAN impairments beyond the rate (delay, jitter, loss, ...); `rate` is taken from `rateBps`. */
  wan?: Omit<WanOptions, 'rate'>
  /** The SNP class table (default: src/qos's). */
  classes?: ClassTable
  /** FIFO queue bound in bytes (default 64 KiB). */
  fifoLimitBytes?: number
  /** Classify and count, never enforce: one queue for all (QoSWorks shipped this way). */
  monitorOnly?: boolean
  /** The classifier (default rules). */
  classifier?: Classifier
  /** Sends one IPX datagram on the link with its class index; a returned reason is counted. */
  send: (datagram: Buffer, trafficClass: number) => DropReason | undefined
  /** Milliseconds, the node's clock. */
  now: () => number
  logger?: Logger
  /** What the node was asked for (`--qos`: snp, fifo, monitor, off), for the stats; default the discipline. */
  qos?: string
  /** The era profile the link emulates (`--wan`), for the stats; null when set by rate alone. */
  profile?: string | null
  /**
   * LFI (issue 11, src/node/lfi.ts): large frames of {@link LFI_CLASSES} go as fragments of
   * `chunkBytes`, each queued on its own so urgent frames are sent between them. Needs a discipline,
   * `sendFragment`, and a peer that reassembles (`peerReassembles`); otherwise frames go whole.
   */
  lfi?: LfiSettings
  /** Sends one fragment body on the link (NativeLink.sendFragment). */
  sendFragment?: (body: Buffer, trafficClass: number) => DropReason | undefined
  /** Whether the peer announced fragment reassembly (NativeLink.peerReassembles). */
  peerReassembles?: () => boolean
}

/** Per-class figures. Delays in ms. */
export interface ClassFigures {
  packets: number
  bytes: number
  /** Packets and bytes handed to the link (after the queue). */
  sentPackets: number
  sentBytes: number
  drops: Record<string, number>
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Sum of the queueing delays of every packet sent (`sentPackets` of them), ms, since start: a Prometheus summary's `_sum`. */
  delaySumMs: number
}

/** What {@link LinkQos.stats} returns. */
export interface LinkQosStats {
  discipline: string
  rateBps: number | null
  monitorOnly: boolean
  classes: Record<string, ClassFigures>
  /** Busy time of the emulated link over the time since the first packet, 0..1 (null without a rate). */
  utilisation: number | null
  backlogBytes: number
  /** What the node was asked for (`--qos`), when it differs from or names the discipline. */
  qos?: string
  /** The era profile emulated (`--wan`), null for a rate given alone. */
  profile?: string | null
  /** LFI on this link, when configured. */
  lfi?: LfiStats
}

interface Item {
  size: number
  /** The class the scheduler queues it in (everything in one class in monitor-only mode). */
  trafficClass: TrafficClass
  /** The class the classifier named: every per-class figure is kept under this one. */
  measuredClass: TrafficClass
  data: Buffer
  arrivedAt: number
  /** LFI: this item is fragment `index` of a frame; `data` is the fragment body. */
  fragment?: { group: FragmentGroup, index: number }
}

/** The fragments of one frame share this. */
interface FragmentGroup {
  /** The whole frame's IPX bytes. */
  readonly size: number
  /** A fragment was dropped before the link: the rest are not sent (and the frame counts one drop). */
  doomed: boolean
  /** The frame's drop was counted already (a doom, or a fragment lost on the emulated WAN). */
  counted: boolean
}

interface PerClass {
  packets: number
  bytes: number
  sentPackets: number
  sentBytes: number
  drops: Record<string, number>
  delays: number[]
  next: number
  delaySumMs: number
}

function freshClass (): PerClass {
  return { packets: 0, bytes: 0, sentPackets: 0, sentBytes: 0, drops: {}, delays: [], next: 0, delaySumMs: 0 }
}

/** The QoS stage of one link. */
export class LinkQos {
  readonly discipline: 'none' | 'fifo' | 'snp'
  readonly classifier: Classifier
  readonly #o: LinkQosOptions
  readonly #scheduler: Scheduler<Item> | undefined
  readonly #wan: WanEmulator | undefined
  readonly #classes = new Map<TrafficClass, PerClass>()
  #timer: NodeJS.Timeout | undefined
  /** Deliveries waiting out the emulated link's delay, with their class (for the count on stop). */
  readonly #pending = new Map<NodeJS.Timeout, TrafficClass>()
  #firstAt: number | undefined
  #busyMs = 0
  #stopped = false
  #frameId = 0
  #wireBytes = 0
  readonly #lfi: LfiStats | undefined

  constructor (o: LinkQosOptions) {
    this.#o = o
    this.discipline = o.discipline ?? 'none'
    this.classifier = o.classifier ?? new Classifier({ monitorOnly: o.monitorOnly === true })
    for (const c of TRAFFIC_CLASSES) this.#classes.set(c, freshClass())
    const l = o.lfi
    this.#lfi = l === undefined
      ? undefined
      : {
          mode: l.mode, enabled: l.enabled && this.discipline !== 'none' && o.sendFragment !== undefined, chunkBytes: l.chunkBytes, fragmentMs: l.fragmentMs, fullFrameMs: l.fullFrameMs,
          fragmentedFrames: 0, fragmentsSent: 0, peerCannotReassemble: 0, overheadBytes: 0, overheadShare: 0, fragmentDrops: {}
        }
    // Under LFI interactive and game frames go ahead of the fragments, capped (lfi.ts, FRF.12's dual queue).
    const classes = this.#lfi?.enabled === true && this.discipline === 'snp' ? lfiClassTable(o.classes ?? DEFAULT_CLASS_TABLE) : o.classes
    if (this.discipline !== 'none') {
      const rate = o.rateBps
      if (rate === undefined || !(rate > 0)) throw new RangeError('a QoS discipline needs rateBps > 0')
      this.#scheduler = createScheduler<Item>(this.discipline, {
        linkRate: rate,
        ...(classes !== undefined ? { classes } : {}),
        ...(o.fifoLimitBytes !== undefined ? { limitBytes: o.fifoLimitBytes } : {}),
        now: o.now(),
        onDrop: (item, reason) => { this.#dropItem(item, reason) }
      })
      this.#wan = new WanEmulator({ ...(o.wan ?? {}), rate })
    }
  }

  /** A queued item dropped: a whole frame counts in its class; a fragment in the LFI figures, its frame once. */
  #dropItem (item: Item, reason: string, doom = true): void {
    const f = item.fragment
    if (f === undefined) {
      this.#drop(item.measuredClass, reason)
      return
    }
    const d = this.#lfi!.fragmentDrops
    d[reason] = (d[reason] ?? 0) + 1
    if (doom) f.group.doomed = true
    if (!f.group.counted) {
      f.group.counted = true
      this.#drop(item.measuredClass, reason)
    }
  }

  /** LFI: queues `d` as fragments, each an item of its own (so the scheduler may put urgent frames between them). */
  #enqueueFragments (d: Buffer, c: TrafficClass, measured: TrafficClass, now: number): void {
    const lfi = this.#lfi!
    const bodies = fragmentPacket(d, lfi.chunkBytes, this.#frameId)
    this.#frameId = (this.#frameId + 1) & 0xffff
    lfi.fragmentedFrames++
    const group: FragmentGroup = { size: d.length, doomed: false, counted: false }
    bodies.forEach((body, index) => {
      // What the emulated line serialises: the fragment's IPX bytes and its fragment header (lfi.ts).
      const size = body.length - FRAGMENT_HEADER_LENGTH + fragmentOverheadBytes()
      this.#scheduler!.enqueue({ size, trafficClass: c, measuredClass: measured, data: body, arrivedAt: now, fragment: { group, index } }, now)
    })
  }

  #drop (c: TrafficClass, reason: string): void {
    const k = this.#classes.get(c)!
    k.drops[reason] = (k.drops[reason] ?? 0) + 1
  }

  /** One IPX datagram from the router for this link. Never throws. */
  enqueue (d: Buffer): void {
    const cls = this.classifier.classify(d)
    const c = cls.enforcedClass
    const k = this.#classes.get(cls.trafficClass)!
    k.packets++
    k.bytes += d.length
    if (this.#stopped) {
      this.#drop(cls.trafficClass, 'stopped')
      return
    }
    if (this.#scheduler === undefined) {
      this.#sent(cls.trafficClass, d, 0)
      return
    }
    const now = this.#o.now()
    this.#firstAt ??= now
    const lfi = this.#lfi
    if (lfi?.enabled === true && d.length > lfi.chunkBytes && LFI_CLASSES.has(cls.trafficClass)) {
      if (this.#o.peerReassembles?.() === true) {
        this.#enqueueFragments(d, c, cls.trafficClass, now)
        this.#pump()
        return
      }
      lfi.peerCannotReassemble++
    }
    // A refused packet is counted by the scheduler's onDrop, with its reason.
    this.#scheduler.enqueue({ size: d.length, trafficClass: c, measuredClass: cls.trafficClass, data: d, arrivedAt: now }, now)
    this.#pump()
  }

  #sent (c: TrafficClass, d: Buffer, delayMs: number, size = d.length, packet = true): void {
    const k = this.#classes.get(c)!
    k.sentBytes += size
    if (!packet) return
    k.sentPackets++
    k.delaySumMs += delayMs
    if (k.delays.length < DELAY_SAMPLES) k.delays.push(delayMs)
    else { k.delays[k.next] = delayMs; k.next = (k.next + 1) % DELAY_SAMPLES }
    if (this.#wan === undefined) this.#deliver(c, d)
  }

  #deliverFragment (c: TrafficClass, body: Buffer): void {
    const reason = this.#o.sendFragment!(body, classIndex(c))
    if (reason !== undefined) {
      const d = this.#lfi!.fragmentDrops
      d[reason] = (d[reason] ?? 0) + 1
    }
  }

  #deliver (c: TrafficClass, d: Buffer): void {
    const reason = this.#o.send(d, classIndex(c))
    if (reason !== undefined) this.#drop(c, reason)
  }

  #pump (): void {
    const s = this.#scheduler
    const wan = this.#wan
    if (s === undefined || wan === undefined || this.#stopped) return
    const now = this.#o.now()
    while (wan.busyUntil - now <= LOOKAHEAD_MS) {
      const item = s.dequeue(now)
      if (item === undefined) break
      const frag = item.fragment
      if (frag?.group.doomed === true) {
        // An earlier fragment of this frame was dropped: the rest would only be thrown away at the far end.
        this.#dropItem(item, 'with_dropped_frame')
        continue
      }
      // Start when the link became free (a late timer catches up, by at most CATCH_UP_MS), never
      // before the frame arrived.
      const start = Math.max(wan.busyUntil, now - CATCH_UP_MS, item.arrivedAt)
      const tx = wan.send(item, item.size, start)
      this.#busyMs += tx.end - tx.start
      this.#wireBytes += item.size
      // A fragmented frame counts one packet (its queueing delay: until its first fragment starts) and the IPX bytes of each fragment sent.
      if (frag === undefined) this.#sent(item.measuredClass, item.data, start - item.arrivedAt)
      else this.#sent(item.measuredClass, item.data, start - item.arrivedAt, item.size - fragmentOverheadBytes(), frag.index === 0)
      if (frag !== undefined) {
        this.#lfi!.fragmentsSent++
        this.#lfi!.overheadBytes += fragmentOverheadBytes()
      }
      // A fragment lost on the line: the sender does not know, so the rest still go (the far end counts the frame).
      if (tx.lost !== undefined) this.#dropItem(item, `wan_${tx.lost}`, false)
      for (const dl of tx.deliveries) {
        const t = setTimeout(() => {
          this.#pending.delete(t)
          if (frag !== undefined) this.#deliverFragment(item.measuredClass, dl.frame.data)
          else this.#deliver(item.measuredClass, dl.frame.data)
        }, Math.max(0, dl.at - now))
        this.#pending.set(t, item.measuredClass)
      }
    }
    if (this.#timer === undefined && s.backlogPackets > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.#pump()
      }, Math.max(0, wan.busyUntil - now))
    }
  }

  /** Per-class counts, drops and queueing-delay percentiles. */
  stats (): LinkQosStats {
    const classes: Record<string, ClassFigures> = {}
    for (const [c, k] of this.#classes) {
      const sorted = [...k.delays].sort((a, b) => a - b)
      classes[c] = {
        packets: k.packets,
        bytes: k.bytes,
        sentPackets: k.sentPackets,
        sentBytes: k.sentBytes,
        drops: { ...k.drops },
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
        delaySumMs: k.delaySumMs
      }
    }
    const elapsed = this.#firstAt === undefined ? 0 : Math.max(this.#o.now(), this.#wan?.busyUntil ?? 0) - this.#firstAt
    return {
      discipline: this.discipline,
      rateBps: this.#o.rateBps ?? null,
      monitorOnly: this.classifier.monitorOnly,
      classes,
      utilisation: this.#wan === undefined ? null : elapsed > 0 ? Math.min(1, this.#busyMs / elapsed) : 0,
      backlogBytes: this.#scheduler?.backlogBytes ?? 0,
      ...(this.#o.qos !== undefined ? { qos: this.#o.qos } : {}),
      ...(this.#o.profile !== undefined ? { profile: this.#o.profile } : {}),
      ...(this.#lfi !== undefined ? { lfi: { ...this.#lfi, overheadShare: this.#wireBytes > 0 ? this.#lfi.overheadBytes / this.#wireBytes : 0, fragmentDrops: { ...this.#lfi.fragmentDrops } } } : {})
    }
  }

  /** True when nothing is queued or on the emulated link: a stop now loses nothing. */
  get idle (): boolean {
    return (this.#scheduler?.backlogPackets ?? 0) === 0 && this.#pending.size === 0
  }

  /** Forgets the queueing-delay samples (counts stay): a measurement window starts here. */
  resetDelays (): void {
    for (const k of this.#classes.values()) {
      k.delays.length = 0
      k.next = 0
    }
  }

  /** Stops the timers; queued and in-flight packets, and any enqueued later, are counted as `stopped`. */
  stop (): void {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    for (const [t, c] of this.#pending) {
      clearTimeout(t)
      this.#drop(c, 'stopped')
    }
    const s = this.#scheduler
    if (s !== undefined) {
      for (let item = s.dequeue(this.#o.now()); item !== undefined; item = s.dequeue(this.#o.now())) this.#dropItem(item, 'stopped')
    }
    this.#pending.clear()
  }
}

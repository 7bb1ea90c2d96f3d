/**
 * Queue disciplines for one link, on an injected clock (milliseconds), with bounded queues and
 * named, counted drops: nothing blocks, nothing is lost silently (undici `fixed-queue` and ipxbox
 * `pipe`, architecture.md).
 *
 *  - {@link FifoScheduler}: one byte-bounded queue with tail drop: what a router without QoS does.
 *  - {@link SnpScheduler}: the SNP-style discipline:
 *    1. strict priority for classes with a `strictShare` (network control), each behind a token
 *       bucket at `strictShare × linkRate`; over that share the class is demoted into the round
 *       robin (CAKE's soft admission control, so priority can never starve the rest; ipx-reference §C3);
 *    2. deficit round robin among all classes (Shreedhar & Varghese, WUCS-94-17, §C4), quantum
 *       `weight × mtu` bytes, in fq_codel's DRR++ form (RFC 8290 §4.2–4.3): a class that becomes
 *       active joins the "new" list, served before the "old" list, so a sparse class such as
 *       interactive or game waits for at most the frame on the wire and a few sparse packets, never a
 *       bulk round; a class that stays backlogged lives in the old list, where weights hold exactly;
 *    3. per class a byte-bounded queue with tail drop, and for `codel` classes CoDel's sojourn-time
 *       drop at dequeue (RFC 8289 §5, pseudocode followed line by line).
 *
 * The scheduler decides order only; when a frame may start is the shaper's business (shaper.ts).
 */
import { ConfigError } from '../errors.js'
import {
  DEFAULT_CLASS_TABLE, DEFAULT_MTU, TRAFFIC_CLASSES, classIndex, codelParameters, validateClassTable
} from './classes.js'
import type { ClassTable, TrafficClass } from './classes.js'
import { TokenBucket } from './shaper.js'

/** What the schedulers queue: anything with a size in bytes and a class. */
export interface QueueItem {
  /** Bytes the item occupies in the queue and on the link. */
  readonly size: number
  /** The class to queue it in (the classifier's `enforcedClass`). */
  readonly trafficClass: TrafficClass
}

/** Why an item was dropped. */
export const DropReason = {
  /** Tail drop: the queue's byte bound would have been exceeded. */
  QueueFull: 'queue_full',
  /** CoDel: the item sat longer than target for at least an interval (RFC 8289). */
  Codel: 'codel'
} as const
export type DropReason = typeof DropReason[keyof typeof DropReason]

/** Result of {@link Scheduler.enqueue}; the objects are shared constants. */
export type EnqueueResult = { readonly accepted: true } | { readonly accepted: false, readonly reason: DropReason }

/** The shared "accepted" result. */
export const ACCEPTED: EnqueueResult = Object.freeze({ accepted: true as const })
const REFUSED_FULL: EnqueueResult = Object.freeze({ accepted: false as const, reason: DropReason.QueueFull })

/** Called for every drop, at enqueue (tail drop) or at dequeue (CoDel). */
export type DropListener<T> = (item: T, reason: DropReason, now: number) => void

/** Counters of one class. */
export interface ClassStats {
  enqueuedPackets: number
  enqueuedBytes: number
  dequeuedPackets: number
  dequeuedBytes: number
  /** Of the dequeued packets, those served by the strict-priority tier. */
  strictPackets: number
  droppedPackets: Record<DropReason, number>
  droppedBytes: Record<DropReason, number>
  backlogPackets: number
  backlogBytes: number
  /** Largest backlog in bytes seen. */
  maxBacklogBytes: number
  /** The byte bound of the queue the class is in. */
  limitBytes: number
}

/** A snapshot of a scheduler's counters. */
export interface SchedulerStats {
  discipline: 'fifo' | 'snp'
  backlogPackets: number
  backlogBytes: number
  classes: Record<TrafficClass, ClassStats>
}

/** A queue discipline on an injected clock. */
export interface Scheduler<T extends QueueItem> {
  readonly discipline: 'fifo' | 'snp'
  /** Queues `item` at `now`, or drops it (and tells the drop listener). */
  enqueue: (item: T, now: number) => EnqueueResult
  /** The next item to transmit at `now`, or undefined when nothing is queued. May drop (CoDel). */
  dequeue: (now: number) => T | undefined
  /** Bytes queued. */
  readonly backlogBytes: number
  /** Items queued. */
  readonly backlogPackets: number
  /** A snapshot of the counters. */
  stats: () => SchedulerStats
}

/** A growable ring of items with their enqueue times; no per-item allocation once grown. */
class Ring<T> {
  #items: Array<T | undefined> = new Array<T | undefined>(16)
  #times = new Float64Array(16)
  #head = 0
  #length = 0

  get length (): number {
    return this.#length
  }

  push (item: T, time: number): void {
    if (this.#length === this.#items.length) this.#grow()
    const i = (this.#head + this.#length) & (this.#items.length - 1)
    this.#items[i] = item
    this.#times[i] = time
    this.#length++
  }

  /** The head item; undefined when empty. */
  peek (): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head]
  }

  /** Enqueue time of the head; call only when not empty. */
  headTime (): number {
    return this.#times[this.#head]!
  }

  shift (): T | undefined {
    if (this.#length === 0) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head] = undefined
    this.#head = (this.#head + 1) & (this.#items.length - 1)
    this.#length--
    return item
  }

  #grow (): void {
    const n = this.#items.length * 2
    const items = new Array<T | undefined>(n)
    const times = new Float64Array(n)
    for (let k = 0; k < this.#length; k++) {
      const i = (this.#head + k) & (this.#items.length - 1)
      items[k] = this.#items[i]
      times[k] = this.#times[i]!
    }
    this.#items = items
    this.#times = times
    this.#head = 0
  }
}

function emptyStats (limitBytes: number): ClassStats {
  return {
    enqueuedPackets: 0,
    enqueuedBytes: 0,
    dequeuedPackets: 0,
    dequeuedBytes: 0,
    strictPackets: 0,
    droppedPackets: { queue_full: 0, codel: 0 },
    droppedBytes: { queue_full: 0, codel: 0 },
    backlogPackets: 0,
    backlogBytes: 0,
    maxBacklogBytes: 0,
    limitBytes
  }
}

function copyStats (s: ClassStats): ClassStats {
  return { ...s, droppedPackets: { ...s.droppedPackets }, droppedBytes: { ...s.droppedBytes } }
}

function checkItem (item: QueueItem): void {
  if (!(Number.isFinite(item.size) && item.size > 0)) throw new ConfigError('qos.item.size', 'must be a positive number of bytes')
}

/** Options of {@link FifoScheduler}. */
export interface FifoOptions<T> {
  /** Byte bound of the single queue. Default 65536 (a round number: ~43 full frames; invented). */
  readonly limitBytes?: number
  readonly onDrop?: DropListener<T>
}

/** One byte-bounded FIFO with tail drop, counting per class for comparison with {@link SnpScheduler}. */
export class FifoScheduler<T extends QueueItem> implements Scheduler<T> {
  readonly discipline = 'fifo' as const
  readonly limitBytes: number
  readonly #ring = new Ring<T>()
  readonly #onDrop: DropListener<T> | undefined
  readonly #stats: ClassStats[]
  #bytes = 0

  constructor (options: FifoOptions<T> = {}) {
    this.limitBytes = options.limitBytes ?? 64 * 1024
    if (!(Number.isInteger(this.limitBytes) && this.limitBytes > 0)) throw new ConfigError('qos.fifo.limitBytes', 'must be a positive integer')
    this.#onDrop = options.onDrop
    this.#stats = TRAFFIC_CLASSES.map(() => emptyStats(this.limitBytes))
  }

  get backlogBytes (): number {
    return this.#bytes
  }

  get backlogPackets (): number {
    return this.#ring.length
  }

  enqueue (item: T, now: number): EnqueueResult {
    checkItem(item)
    const s = this.#stats[classIndex(item.trafficClass)]!
    if (this.#bytes + item.size > this.limitBytes) {
      s.droppedPackets.queue_full++
      s.droppedBytes.queue_full += item.size
      this.#onDrop?.(item, DropReason.QueueFull, now)
      return REFUSED_FULL
    }
    this.#ring.push(item, now)
    this.#bytes += item.size
    s.enqueuedPackets++
    s.enqueuedBytes += item.size
    s.backlogPackets++
    s.backlogBytes += item.size
    if (s.backlogBytes > s.maxBacklogBytes) s.maxBacklogBytes = s.backlogBytes
    return ACCEPTED
  }

  dequeue (_now: number): T | undefined {
    const item = this.#ring.shift()
    if (item === undefined) return undefined
    this.#bytes -= item.size
    const s = this.#stats[classIndex(item.trafficClass)]!
    s.dequeuedPackets++
    s.dequeuedBytes += item.size
    s.backlogPackets--
    s.backlogBytes -= item.size
    return item
  }

  stats (): SchedulerStats {
    const classes = {} as Record<TrafficClass, ClassStats>
    TRAFFIC_CLASSES.forEach((c, i) => { classes[c] = copyStats(this.#stats[i]!) })
    return { discipline: 'fifo', backlogPackets: this.#ring.length, backlogBytes: this.#bytes, classes }
  }
}

/** CoDel state of one queue (RFC 8289 §5.2 member variables). */
interface CoDelState {
  readonly target: number
  readonly interval: number
  readonly maxPacket: number
  firstAboveTime: number
  firstAboveSet: boolean
  dropNext: number
  count: number
  lastCount: number
  dropping: boolean
}

const NOT_LISTED = 0
const NEW_LIST = 1
const OLD_LIST = 2

/** One class's queue inside {@link SnpScheduler}. */
class ClassQueue<T extends QueueItem> {
  readonly ring = new Ring<T>()
  bytes = 0
  deficit = 0
  list = NOT_LISTED
  readonly stats: ClassStats

  constructor (
    readonly index: number,
    readonly limit: number,
    readonly quantum: number,
    readonly codel: CoDelState | undefined,
    readonly strict: TokenBucket | undefined
  ) {
    this.stats = emptyStats(limit)
  }
}

/** Options of {@link SnpScheduler}. */
export interface SnpOptions<T> {
  /** Link rate in bit/s: sizes the strict-priority caps and CoDel's auto-tuning. */
  readonly linkRate: number
  /** The class table; default {@link DEFAULT_CLASS_TABLE}. */
  readonly classes?: ClassTable
  /** Largest frame, bytes: the DRR base quantum and CoDel's `maxpacket`. Default 1500. */
  readonly mtu?: number
  /** Bucket size of each strict-priority cap, bytes. Default 4 × mtu (a few frames of burst; invented). */
  readonly strictBurstBytes?: number
  /** Clock at creation (ms), for the cap buckets. Default 0. */
  readonly now?: number
  readonly onDrop?: DropListener<T>
}

/** The SNP-style discipline; see the module comment. */
export class SnpScheduler<T extends QueueItem> implements Scheduler<T> {
  readonly discipline = 'snp' as const
  readonly linkRate: number
  readonly mtu: number
  readonly #queues: Array<ClassQueue<T>>
  readonly #strict: Array<ClassQueue<T>>
  /** DRR lists, head first; at most one entry per class, so `shift` is cheap. */
  readonly #newList: Array<ClassQueue<T>> = []
  readonly #oldList: Array<ClassQueue<T>> = []
  readonly #onDrop: DropListener<T> | undefined
  #bytes = 0
  #packets = 0
  /** Second result of {@link SnpScheduler.#doDequeue} (RFC 8289's `ok_to_drop`), kept here to avoid an object per call. */
  #okToDrop = false

  constructor (options: SnpOptions<T>) {
    const { linkRate } = options
    if (!(Number.isFinite(linkRate) && linkRate > 0)) throw new ConfigError('qos.linkRate', 'must be a positive number of bit/s')
    const table = options.classes ?? DEFAULT_CLASS_TABLE
    validateClassTable(table)
    this.linkRate = linkRate
    this.mtu = options.mtu ?? DEFAULT_MTU
    if (!(Number.isInteger(this.mtu) && this.mtu > 0)) throw new ConfigError('qos.mtu', 'must be a positive integer')
    const strictBurst = options.strictBurstBytes ?? 4 * this.mtu
    const auto = codelParameters(linkRate, this.mtu)
    this.#queues = TRAFFIC_CLASSES.map((c, i) => {
      const cfg = table[c]
      const codel: CoDelState | undefined = cfg.drop.kind === 'codel'
        ? {
            target: cfg.drop.targetMs ?? auto.targetMs,
            interval: cfg.drop.intervalMs ?? auto.intervalMs,
            maxPacket: this.mtu,
            firstAboveTime: 0,
            firstAboveSet: false,
            dropNext: 0,
            count: 0,
            lastCount: 0,
            dropping: false
          }
        : undefined
      const strict = cfg.strictShare !== undefined
        ? new TokenBucket({ rate: cfg.strictShare * linkRate, burst: strictBurst, now: options.now ?? 0 })
        : undefined
      return new ClassQueue<T>(i, cfg.queueBytes, Math.max(1, Math.round(cfg.weight * this.mtu)), codel, strict)
    })
    this.#strict = this.#queues.filter(q => q.strict !== undefined)
    this.#onDrop = options.onDrop
  }

  get backlogBytes (): number {
    return this.#bytes
  }

  get backlogPackets (): number {
    return this.#packets
  }

  /** CoDel target and interval in force for a class, or undefined for a tail-drop class. */
  codelOf (c: TrafficClass): { targetMs: number, intervalMs: number } | undefined {
    const s = this.#queues[classIndex(c)]!.codel
    return s === undefined ? undefined : { targetMs: s.target, intervalMs: s.interval }
  }

  enqueue (item: T, now: number): EnqueueResult {
    checkItem(item)
    const q = this.#queues[classIndex(item.trafficClass)]!
    const s = q.stats
    if (q.bytes + item.size > q.limit) {
      s.droppedPackets.queue_full++
      s.droppedBytes.queue_full += item.size
      this.#onDrop?.(item, DropReason.QueueFull, now)
      return REFUSED_FULL
    }
    q.ring.push(item, now)
    q.bytes += item.size
    this.#bytes += item.size
    this.#packets++
    s.enqueuedPackets++
    s.enqueuedBytes += item.size
    s.backlogPackets++
    s.backlogBytes += item.size
    if (s.backlogBytes > s.maxBacklogBytes) s.maxBacklogBytes = s.backlogBytes
    if (q.list === NOT_LISTED) {
      // RFC 8290 §4.1: a queue that becomes active joins the new list with a full quantum.
      q.deficit = q.quantum
      q.list = NEW_LIST
      this.#newList.push(q)
    }
    return ACCEPTED
  }

  /** Takes the head off `q` and does the bookkeeping (no CoDel). */
  #take (q: ClassQueue<T>): T | undefined {
    const item = q.ring.shift()
    if (item === undefined) return undefined
    q.bytes -= item.size
    this.#bytes -= item.size
    this.#packets--
    q.stats.backlogPackets--
    q.stats.backlogBytes -= item.size
    return item
  }

  #drop (q: ClassQueue<T>, item: T, now: number): void {
    q.stats.droppedPackets.codel++
    q.stats.droppedBytes.codel += item.size
    this.#onDrop?.(item, DropReason.Codel, now)
  }

  /** RFC 8289 §5.5 `dodequeue`: the head; sets `#okToDrop` when CoDel may drop it. */
  #doDequeue (q: ClassQueue<T>, st: CoDelState, now: number): T | undefined {
    this.#okToDrop = false
    const enqueuedAt = q.ring.length > 0 ? q.ring.headTime() : 0
    const item = this.#take(q)
    if (item === undefined) {
      st.firstAboveSet = false
      return undefined
    }
    const sojourn = now - enqueuedAt
    if (sojourn < st.target || q.bytes <= st.maxPacket) {
      st.firstAboveSet = false
    } else if (!st.firstAboveSet) {
      st.firstAboveTime = now + st.interval
      st.firstAboveSet = true
    } else if (now >= st.firstAboveTime) {
      this.#okToDrop = true
    }
    return item
  }

  /** RFC 8289 §5.6 `dequeue`, control law `t + interval / sqrt(count)` (§5.4). */
  #codelDequeue (q: ClassQueue<T>, st: CoDelState, now: number): T | undefined {
    let item = this.#doDequeue(q, st, now)
    if (item === undefined) {
      st.dropping = false
      return undefined
    }
    if (st.dropping) {
      if (!this.#okToDrop) st.dropping = false
      while (item !== undefined && now >= st.dropNext && st.dropping) {
        this.#drop(q, item, now)
        st.count++
        item = this.#doDequeue(q, st, now)
        if (!this.#okToDrop) st.dropping = false
        else st.dropNext = st.dropNext + st.interval / Math.sqrt(st.count)
      }
    } else if (this.#okToDrop) {
      this.#drop(q, item, now)
      item = this.#doDequeue(q, st, now)
      st.dropping = true
      const delta = st.count - st.lastCount
      st.count = delta > 1 && now - st.dropNext < 16 * st.interval ? delta : 1
      st.dropNext = now + st.interval / Math.sqrt(st.count)
      st.lastCount = st.count
    }
    return item
  }

  /** Next item of `q` under its drop policy, with dequeue bookkeeping. */
  #pop (q: ClassQueue<T>, now: number): T | undefined {
    const item = q.codel === undefined ? this.#take(q) : this.#codelDequeue(q, q.codel, now)
    if (item !== undefined) {
      q.stats.dequeuedPackets++
      q.stats.dequeuedBytes += item.size
    }
    return item
  }

  dequeue (now: number): T | undefined {
    // 1. Strict priority, each class within its cap.
    for (const q of this.#strict) {
      const head = q.ring.peek()
      if (head === undefined || !q.strict!.canSend(head.size, now)) continue
      const item = this.#pop(q, now)
      if (item !== undefined) {
        q.strict!.consume(item.size, now)
        q.stats.strictPackets++
        return item
      }
    }
    // 2. DRR++ over new then old lists (RFC 8290 §4.2–4.3).
    for (;;) {
      const fromNew = this.#newList.length > 0
      const list = fromNew ? this.#newList : this.#oldList
      const q = list[0]
      if (q === undefined) return undefined
      if (q.deficit <= 0) {
        q.deficit += q.quantum
        list.shift()
        q.list = OLD_LIST
        this.#oldList.push(q)
        continue
      }
      const item = this.#pop(q, now)
      if (item === undefined) {
        list.shift()
        if (fromNew && this.#oldList.length > 0) {
          q.list = OLD_LIST
          this.#oldList.push(q)
        } else {
          q.list = NOT_LISTED
        }
        continue
      }
      q.deficit -= item.size
      return item
    }
  }

  stats (): SchedulerStats {
    const classes = {} as Record<TrafficClass, ClassStats>
    TRAFFIC_CLASSES.forEach((c, i) => { classes[c] = copyStats(this.#queues[i]!.stats) })
    return { discipline: 'snp', backlogPackets: this.#packets, backlogBytes: this.#bytes, classes }
  }
}

/** Options of {@link createScheduler}. */
export type SchedulerOptions<T> = SnpOptions<T> & FifoOptions<T>

/** A FIFO or an SNP scheduler by name, for side-by-side comparisons. */
export function createScheduler<T extends QueueItem> (discipline: 'fifo' | 'snp', options: SchedulerOptions<T>): Scheduler<T> {
  return discipline === 'fifo' ? new FifoScheduler<T>(options) : new SnpScheduler<T>(options)
}

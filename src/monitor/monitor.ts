/**
 * The peer monitor (ipfs-cluster's `pubsubmon` + `metrics.Checker`, with its flaws fixed):
 * windows of the last metrics per (metric name, peer), a check on a timer that raises one
 * `down` per outage and an `up` on recovery, a bounded alert queue per iterator, and peers
 * that leave forgotten with their windows.
 *
 * Costs: `logMetric` for a known (peer, metric) writes its window's columns and allocates only
 * the Metric it returns (young garbage) — the name and peer rules ran when the window was made.
 * `check()` walks the per-window and per-peer columns (window.ts, peers.ts) without sorting or
 * allocating, except the alerts it raises.
 */
import { EventEmitter } from 'node:events';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { AlertQueue, RecentAlerts } from './alerts.js';
import type { MonitorClock } from './clock.js';
import { deadlineOf, judge, phiOf, stateAt } from './detector.js';
import type { ResolvedDetector } from './detector.js';
import { MonitorMetrics } from './metrics.js';
import { resolveOptions } from './options.js';
import type { MonitorOptions } from './options.js';
import type { Alert, AlertKind, Metric, MetricInput, PeerSet, PeerStatus } from './types.js';
import { InvalidMetricError, checkMetric } from './validate.js';
import { PeerTable } from './peers.js';
import type { Peer } from './peers.js';
import { Columns, Window } from './window.js';

/** Worst-state ranks of a peer's windows at a check (0: not judged, a peer outside the set). */
const UNKNOWN = 1;
const UP = 2;
const DOWN = 3;

/** The peer monitor. See the README's "Peer monitor" section for the model. */
export class Monitor extends EventEmitter {
  private readonly cap: number;
  private readonly maxWindows: number;
  private windowCount = 0;
  private interval: number;
  private readonly queueCap: number;
  private readonly forgetAfter: number;
  private readonly reAlert: number;
  private detector: ResolvedDetector;
  private peerSet: PeerSet | undefined;
  /** Deadlines on the monotonic clock, times shown on the wall clock: see clock.ts. */
  private readonly clock: MonitorClock;
  private readonly onError: (err: Error) => void;
  private readonly metrics: MonitorMetrics | undefined;

  private readonly known = new PeerTable();
  private readonly cols: Columns;
  private readonly queues = new Set<AlertQueue>();
  private readonly recent = new RecentAlerts();
  /**
   * (peer, metric) pairs forgotten in an outage (a `down` raised, no `up` yet), keyed
   * `peer \0 metric`, with when the outage began, oldest first: when the pair reports again its window starts in the outage,
   * so the `up` that ends it is raised. At most `maxWindows` entries; past that the oldest is
   * dropped and counted (its `up` will not come).
   */
  private readonly forgottenOutages = new Map<string, number>();
  private gen = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private droppedCount = 0;

  /** @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad option. */
  constructor(options: MonitorOptions = {}) {
    super();
    const o = resolveOptions(options);
    this.cap = o.windowCap;
    this.maxWindows = o.maxWindows;
    this.interval = o.checkInterval;
    this.queueCap = o.alertQueueCap;
    this.forgetAfter = o.forgetAfter;
    this.reAlert = o.reAlertInterval;
    this.detector = o.detector;
    this.peerSet = o.peers;
    this.clock = o.clock;
    this.onError = o.onError;
    this.cols = new Columns(this.cap);
    this.metrics = options.recorder === undefined ? undefined : new MonitorMetrics(options.recorder, () => this.publishAll());
  }

  /** Alerts dropped because an iterator's queue was full (all iterators, since construction). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Listens to every alert, called synchronously once the logMetric(s)/check that raised it is done. */
  override on(event: 'alert', fn: (a: Alert) => void): this;
  override on(event: string | symbol, fn: (...args: never[]) => void): this;
  override on(event: string | symbol, fn: (...args: never[]) => void): this {
    return super.on(event, fn as (...args: unknown[]) => void);
  }

  private windowOf(m: unknown): Window | undefined {
    if (typeof m !== 'object' || m === null) return undefined;
    const { name, peer } = m as Partial<MetricInput>;
    // a non-string key finds nothing, so a lookup before validation is safe
    const p = this.known.get(peer as string);
    if (p === undefined) return undefined;
    for (const w of p.windows) if (w.name === name) return w;
    return undefined;
  }

  private reject(err: unknown): never {
    if (err instanceof InvalidMetricError) this.metrics?.rejected(err.field);
    throw err;
  }

  /**
   * Validates and stores one metric (see {@link MetricInput} for the rules) and returns it as
   * stored. A valid metric of a (peer, metric) in an outage raises its `up` at once.
   * @throws InvalidMetricError (`ERR_METERKIT_INVALID_METRIC`) naming the field, the value and the rule.
   */
  logMetric(m: unknown): Metric {
    const now = this.clock.now();
    const skew = this.clock.skew(now);
    const w = this.windowOf(m);
    let expire: number;
    try {
      // an `expire` is on the wall clock (the peer's): checked there, kept on the monitor's
      expire = checkMetric(m, now + skew, w !== undefined) - skew;
      if (w === undefined && this.windowCount >= this.maxWindows) throw this.full(m as MetricInput);
    } catch (err) {
      this.reject(err);
    }
    const ups: Alert[] = [];
    const out = this.store(m as MetricInput, w, expire, now, skew, ups);
    this.deliver(ups);
    return out;
  }

  /**
   * Validates a batch (a JSON array of metrics) and then logs it all, or nothing if one is bad.
   * Returns how many were logged.
   * @throws InvalidMetricError naming the index, the field, the value and the rule.
   */
  logMetrics(batch: unknown): number {
    if (!Array.isArray(batch)) this.reject(new InvalidMetricError('shape', 'invalid metrics batch: it must be a JSON array of metrics'));
    const now = this.clock.now();
    const skew = this.clock.skew(now);
    const n = batch.length;
    const windows = new Array<Window | undefined>(n);
    const expires = new Array<number>(n);
    // the (peer, metric) pairs the batch would open, so the limit is checked before anything is logged
    let fresh: Set<string> | undefined;
    try {
      for (let i = 0; i < n; i++) {
        const w = this.windowOf(batch[i]);
        windows[i] = w;
        expires[i] = checkMetric(batch[i], now + skew, w !== undefined, i) - skew;
        if (w === undefined) {
          const m = batch[i] as MetricInput;
          (fresh ??= new Set()).add(`${m.peer}\u0000${m.name}`);
          if (this.windowCount + fresh.size > this.maxWindows) throw this.full(m, i);
        }
      }
    } catch (err) {
      this.reject(err);
    }
    // the `up`s are delivered after the whole batch is stored: a listener may re-enter the
    // monitor (check() forgetting a peer whose window this loop still holds, a logMetric reusing
    // its slot), and must find the batch logged, not half of it
    const ups: Alert[] = [];
    for (let i = 0; i < n; i++) {
      const m = batch[i] as MetricInput;
      // a window made by an earlier metric of this batch is found again here
      this.store(m, windows[i] ?? this.windowOf(m), expires[i] as number, now, skew, ups);
    }
    this.deliver(ups);
    return n;
  }

  private full(m: MetricInput, at?: number): InvalidMetricError {
    return new InvalidMetricError(
      'limit',
      `invalid ${at === undefined ? 'metric' : `metric [${at}]`}: the monitor holds its limit of ${this.maxWindows} (peer, metric) windows (maxWindows), so a new one for peer ${JSON.stringify(m.peer)} and metric ${JSON.stringify(m.name)} is refused until silent peers are forgotten (forgetAfter)`,
    );
  }

  /**
   * Stores one checked metric (`expire` and `now` on the monitor's clock); an `up` it ends an
   * outage with is added to `ups`, for the caller to deliver. Returns it on the wall clock (`skew`).
   */
  private store(m: MetricInput, found: Window | undefined, expire: number, now: number, skew: number, ups: Alert[]): Metric {
    const w = found ?? this.newWindow(m.name, m.peer);
    const valid = m.valid ?? true;
    w.push(m.value ?? '', valid, expire, now);
    const P = this.known;
    P.lastSeen[w.peerIndex] = now;
    w.logged?.increment();
    if (this.detector.kind === 'phi') w.refreshStats();
    const deadline = deadlineOf(w, this.detector);
    w.setDeadline(deadline);
    const live = Math.max(now, expire, deadline);
    if (live > (P.liveUntil[w.peerIndex] as number)) P.liveUntil[w.peerIndex] = live;
    if (valid && this.cols.outage[w.slot] === 1) {
      this.cols.outage[w.slot] = 0;
      // raised on arrival, not judged: no phi
      ups.push(this.alertOf(w, 'up', now, null, skew));
    }
    return w.metric(w.newest(), skew);
  }

  private newWindow(name: string, peer: string): Window {
    const p = this.known.get(peer) ?? this.known.add(peer);
    const w = new Window(name, peer, p.index, this.cols);
    if (this.forgottenOutages.size > 0) {
      const key = `${peer}\u0000${name}`;
      const since = this.forgottenOutages.get(key);
      if (since !== undefined) {
        this.forgottenOutages.delete(key);
        this.cols.outage[w.slot] = 1;
        this.cols.downSince[w.slot] = since;
      }
    }
    this.windowCount++;
    this.metrics?.attach(w);
    p.windows.push(w);
    return w;
  }

  /**
   * Reads the peer set and marks its members with a new generation; false (reported) when the
   * peer-set function throws or returns something else than an array.
   */
  private refreshPeers(): boolean {
    const set = this.peerSet;
    if (set === undefined) return true;
    let list: readonly string[];
    try {
      list = typeof set === 'function' ? set() : set;
      if (!Array.isArray(list)) throw new TypeError(`it returned ${typeof list}, not an array`);
    } catch (err) {
      this.report(new MeterkitError(ErrorCode.PeerSet, `the peer set could not be read: ${(err as Error).message}`, { cause: err }));
      return false;
    }
    const gen = ++this.gen;
    for (const id of list) {
      const p = this.known.get(id);
      if (p !== undefined) this.known.gen[p.index] = gen;
    }
    return true;
  }

  private inSet(p: Peer): boolean {
    return this.peerSet === undefined || this.known.gen[p.index] === this.gen;
  }

  /**
   * Calls `fn` for every window of the current peers, with one `now` (and `skew`, see clock.ts);
   * nothing when the peer set cannot be read (that is reported).
   */
  private forCurrent(fn: (w: Window, now: number, skew: number) => void): void {
    if (!this.refreshPeers()) return;
    const now = this.clock.now();
    const skew = this.clock.skew(now);
    for (const p of this.known.values()) {
      if (this.inSet(p)) for (const w of p.windows) fn(w, now, skew);
    }
  }

  /** The latest valid, unexpired metric of each current peer (none when the peer set cannot be read). */
  lastMetrics(name: string): Metric[] {
    const out: Metric[] = [];
    this.forCurrent((w, now, skew) => {
      if (w.name === name && w.valid() && now <= w.expire()) out.push(w.metric(w.newest(), skew));
    });
    return out;
  }

  /** The latest metric logged for (name, peer), valid or not, expired or not. */
  latest(name: string, peer: string): Metric | undefined {
    const w = this.windowOf({ name, peer });
    return w?.metric(w.newest(), this.clock.skew());
  }

  /** A copy of the window of (name, peer), newest first ([] when there is none). */
  window(name: string, peer: string): Metric[] {
    return this.windowOf({ name, peer })?.copy(this.clock.skew()) ?? [];
  }

  /** Every (peer, metric) of the current peers, judged now; sorted by peer, then metric. */
  status(): PeerStatus[] {
    return Array.from(this.statusRows());
  }

  /**
   * `status()` as a generator: the current peers are listed and sorted (by id: 25 000 ids sort in
   * a fraction of the time 100 000 rows would) on the first `next()`, each row is made when it is
   * taken, all judged at that first moment. A consumer may pause between rows (the HTTP handler
   * writes slices with turns of the event loop between them): a window forgotten meanwhile is
   * skipped, never read from a slot another window took.
   */
  *statusRows(): Generator<PeerStatus, void, undefined> {
    if (!this.refreshPeers()) return;
    const now = this.clock.now();
    const skew = this.clock.skew(now);
    const peers: Peer[] = [];
    for (const p of this.known.values()) if (this.inSet(p)) peers.push(p);
    peers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const p of peers) {
      const windows = p.windows.length > 1 ? [...p.windows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : [...p.windows];
      for (const w of windows) {
        if (this.cols.windows[w.slot] !== w) continue; // forgotten since the listing
        yield { peer: w.peer, metric: w.name, value: w.value(w.newest()), lastSeen: w.lastSeen() + skew, expire: w.expire() + skew, state: judge(w, now), phi: phiOf(w, now, this.detector) };
      }
    }
  }

  /**
   * One check now (the timer runs the same): judges every window of the current peers, raises
   * `down` on the first tick of an outage (again every `reAlertInterval` if set) and `up` when a
   * down one is judged up again, then forgets peers silent for `forgetAfter` past their last
   * live moment (latest arrival, expiry or down deadline) that are not in an
   * explicit peer set, and updates the monitor's own gauges. Returns the alerts it raised.
   * When the peer set cannot be read, it reports that and does nothing else.
   */
  check(): Alert[] {
    const raised: Alert[] = [];
    if (!this.refreshPeers()) return raised;
    const now = this.clock.now();
    const skew = this.clock.skew(now);
    const d = this.detector;
    const P = this.known;
    const C = this.cols;
    const explicit = this.peerSet !== undefined;
    const gen = this.gen;
    // every window, in slot order over the columns: a Window object is touched only to raise
    const publish = this.metrics?.pulls === false;
    for (let s = 0; s < C.slots; s++) {
      const w = C.windows[s];
      if (w === undefined) continue;
      const pi = C.peer[s] as number;
      if (explicit && P.gen[pi] !== gen) continue;
      if (publish) this.metrics?.window(w, now, phiOf(w, now, d));
      let rank = UNKNOWN;
      const state = stateAt(C.newestValid[s] === 1, C.deadline[s] as number, now);
      if (state !== 'unknown') {
        if (state === 'down') {
          rank = DOWN;
          if (C.outage[s] === 0) {
            C.outage[s] = 1;
            C.lastAlert[s] = now;
            C.downSince[s] = now;
            raised.push(this.alertOf(w, 'down', now, phiOf(w, now, d), skew));
          } else if (this.reAlert > 0 && now - (C.lastAlert[s] as number) >= this.reAlert) {
            C.lastAlert[s] = now;
            raised.push(this.alertOf(w, 'down', now, phiOf(w, now, d), skew));
          }
        } else {
          rank = UP;
          if (C.outage[s] === 1) {
            C.outage[s] = 0;
            raised.push(this.alertOf(w, 'up', now, phiOf(w, now, d), skew));
          }
        }
      }
      if (rank > (P.worst[pi] as number)) P.worst[pi] = rank;
    }
    // then forget the silent peers (members of an explicit set stay): after judging, so an expiry
    // raises its down before its peer can be forgotten; counted from the peer's last live moment
    for (let i = 0; i < P.used; i++) {
      const p = P.byIndex[i];
      if (p !== undefined && now - (P.liveUntil[i] as number) > this.forgetAfter && (!explicit || P.gen[i] !== gen)) {
        this.forget(p);
        P.worst[i] = 0;
      }
    }
    let up = 0;
    let down = 0;
    let unknown = 0;
    for (let i = 0; i < P.used; i++) {
      const r = P.worst[i];
      if (r === DOWN) down++;
      else if (r === UP) up++;
      else if (r === UNKNOWN) unknown++;
      P.worst[i] = 0;
    }
    this.metrics?.peerStates(up, down, unknown);
    // delivered once the check is done: a listener that re-enters the monitor finds it consistent
    this.deliver(raised);
    return raised;
  }

  /** The collector: every window's gauges, judged at collection time. */
  private publishAll(): void {
    const now = this.clock.now();
    for (const w of this.cols.windows) if (w !== undefined) this.metrics?.window(w, now, phiOf(w, now, this.detector));
  }

  private forget(p: Peer): void {
    this.known.remove(p);
    this.windowCount -= p.windows.length;
    for (const w of p.windows) {
      if (this.cols.outage[w.slot] === 1) this.rememberOutage(`${w.peer}\u0000${w.name}`, this.cols.downSince[w.slot] as number);
      w.release();
      this.metrics?.detach(w);
    }
  }

  private rememberOutage(key: string, since: number): void {
    const record = this.forgottenOutages;
    if (record.size >= this.maxWindows) {
      const oldest = record.keys().next().value as string;
      record.delete(oldest);
      this.metrics?.outageDropped();
    }
    record.set(key, since);
  }

  /** Makes (and counts) an alert of `w`, its times on the wall clock (`skew`); {@link deliver} hands it out. */
  private alertOf(w: Window, kind: AlertKind, now: number, phi: number | null, skew: number): Alert {
    const lastSeen = w.lastSeen() + skew;
    const a: { -readonly [K in keyof Alert]: Alert[K] } = { peer: w.peer, metric: w.name, kind, time: now + skew, lastSeen };
    if (phi !== null) a.phi = phi;
    if (kind === 'up') a.downSince = (this.cols.downSince[w.slot] as number) + skew;
    Object.freeze(a);
    this.metrics?.alert(kind, w.name);
    return a;
  }

  /** Hands alerts to the listeners and the iterators' queues, once the monitor's state is settled. */
  private deliver(alerts: readonly Alert[]): void {
    for (const a of alerts) {
      this.recent.add(a);
      try {
        this.emit('alert', a);
      } catch (err) {
        // the alert was raised and queued all the same; the listener's error is the cause
        this.report(new MeterkitError(ErrorCode.MonitorHook, `an 'alert' listener threw on ${a.kind} of ${JSON.stringify(a.metric)} for peer ${JSON.stringify(a.peer)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      }
      for (const q of this.queues) q.offer(a);
    }
  }

  private report(err: Error): void {
    try {
      this.onError(err);
    } catch (inner) {
      // onError itself failed: the warning carries both, so neither reason is lost
      process.emitWarning(new MeterkitError(ErrorCode.MonitorHook, `the monitor's onError threw: ${String(inner)} (while reporting: ${err.message})`, { cause: err }));
    }
  }

  /** The last alerts raised (at most `RECENT_ALERTS`, 100), kept across reconfigures, newest first: `GET /monitor/v1/alerts`. */
  recentAlerts(): Alert[] {
    return this.recent.list();
  }

  /**
   * An async iterator over the alerts raised from now on, through a queue of `alertQueueCap`:
   * when the consumer falls that far behind, new alerts are dropped, counted (`dropped`,
   * `meterkit_monitor_alerts_dropped_total`) and reported through `onError` once per burst.
   * Alerts are queued only while an iterator is open. Ends when the monitor closes.
   */
  alerts(): AsyncIterableIterator<Alert, undefined> {
    const q = new AlertQueue(
      this.queueCap,
      (a, first) => {
        this.droppedCount++;
        this.metrics?.drop();
        if (first) this.report(new MeterkitError(ErrorCode.AlertsDropped, `alert queue full (${this.queueCap}): dropping alerts until the consumer catches up, starting with ${a.kind} of ${a.metric} for peer ${JSON.stringify(a.peer)}`));
      },
      (ended) => this.queues.delete(ended),
    );
    if (this.closed) q.end();
    else this.queues.add(q);
    return q;
  }

  /**
   * Changes the check interval, the detector and the peer set while running (a config
   * reload); the windows, the peers known and the alert iterators are kept. The next check
   * uses the new settings; a running timer restarts with the new interval.
   * @throws MeterkitError `ERR_METERKIT_INVALID_ARGUMENT` naming the bad option (nothing changed then).
   */
  reconfigure(options: Pick<MonitorOptions, 'checkInterval' | 'detector' | 'peers'>): void {
    const o = resolveOptions({ checkInterval: options.checkInterval, detector: options.detector, peers: options.peers });
    this.detector = o.detector;
    this.peerSet = o.peers;
    if (o.checkInterval !== this.interval) {
      this.interval = o.checkInterval;
      if (this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
        this.start();
      }
    }
  }

  /** Starts the check timer (unref'd: it does not keep the process alive). */
  start(): this {
    if (this.timer === undefined && !this.closed) {
      this.timer = setInterval(() => {
        try {
          this.check();
        } catch (err) {
          // check() reports what it expects; anything else is a bug, still reported, coded
          this.report(err instanceof MeterkitError ? err : new MeterkitError(ErrorCode.MonitorCheck, `the monitor's check failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
        }
      }, this.interval);
      this.timer.unref();
    }
    return this;
  }

  /** Stops the timer and ends the alert iterators (what they hold can still be taken). */
  close(): Promise<void> {
    this.closed = true;
    this.metrics?.close();
    clearInterval(this.timer);
    this.timer = undefined;
    for (const q of [...this.queues]) q.end();
    return Promise.resolve();
  }
}

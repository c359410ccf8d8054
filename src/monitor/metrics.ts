/**
 * The monitor's own metrics, through a Recorder (a Registry, the agent's stack, a test's
 * DebuggingRecorder). Handles are resolved once: per monitor, per window (its age and phi
 * gauges, its metric name's counter) so logging and checking cost a handle call each.
 *
 * The per-(peer, metric) gauges (age, phi) are values of "now". With a recorder that runs
 * collectors (a Registry: `addCollector`) they are computed by a collector when the registry
 * is collected (each scrape), exact at that moment and costing the check nothing: writing
 * 40 000 gauges scattered over the heap took a check over 10 000 × 4 from about 1 ms to 5–6 ms
 * (bench/monitor.ts). With any other recorder they are written on each check. The per-(peer, metric) series are bounded by the recorder's
 * cardinality limit and unpublished when their peer is forgotten (when the recorder can
 * `remove`, as a Registry can).
 */
import type { Counter, Gauge } from '../core/handles.js';
import { describeRows } from '../core/recorder.js';
import type { MetricRow, Recorder, RemovingRecorder } from '../core/recorder.js';
import { sharedState } from '../core/shared-state.js';
import { Unit } from '../core/units.js';
import type { AlertKind, PeerState } from './types.js';
import type { InvalidMetricField } from './validate.js';
import type { Window } from './window.js';


/** The monitor's metrics: name, kind, unit and help. */
export const MONITOR_METRICS = {
  peers: ['meterkit_monitor_peers', 'gauge', Unit.Count, 'Peers in the peer set by state at the last check: down if one of its metrics is down, else up if one is up, else unknown.'],
  logged: ['meterkit_monitor_metrics_logged_total', 'counter', Unit.Count, 'Metrics logged, by metric name.'],
  invalid: ['meterkit_monitor_invalid_metrics_total', 'counter', Unit.Count, 'Metrics rejected by validation, by reason (the field at fault).'],
  alerts: ['meterkit_monitor_alerts_total', 'counter', Unit.Count, 'Alerts raised, by kind (down, up) and metric name.'],
  dropped: ['meterkit_monitor_alerts_dropped_total', 'counter', Unit.Count, 'Alerts dropped because an alert iterator\'s queue was full.'],
  outagesDropped: ['meterkit_monitor_forgotten_outages_dropped_total', 'counter', Unit.Count, 'Outages of forgotten (peer, metric) pairs dropped from the bounded record (maxWindows): their up will not be raised.'],
  age: ['meterkit_monitor_last_seen_age_seconds', 'gauge', Unit.Seconds, 'Seconds since the peer\'s metric was last received (at collection with a Registry, else at the last check).'],
  phi: ['meterkit_monitor_phi', 'gauge', undefined, 'The phi-accrual suspicion of the peer\'s metric (phi detector, once the window holds enough intervals; at collection with a Registry, else at the last check).'],
} as const satisfies Record<string, MetricRow>;

function canRemove(r: Recorder): r is RemovingRecorder {
  return typeof (r as Partial<RemovingRecorder>).remove === 'function';
}

/** A recorder that runs collectors before it is read (a Registry does). */
interface Collecting extends Recorder {
  addCollector(name: string, fn: () => void): () => void;
}

function canCollect(r: Recorder): r is Collecting {
  return typeof (r as Partial<Collecting>).addCollector === 'function';
}

/**
 * Collector names are unique per registry: each monitor gets its own. The count is one per
 * process (shared by the ES module and CommonJS copies), or a monitor from each copy would
 * both be `meterkit_monitor_1` in one registry.
 */
const monitors = sharedState('monitor.collectors', () => ({ created: 0 }));

export class MonitorMetrics {
  private readonly peers: Record<PeerState, Gauge>;
  private readonly dropped: Counter;
  private readonly outagesDropped: Counter;
  private readonly invalid = new Map<InvalidMetricField, Counter>();

  /** True when the per-window gauges are published by a collector, not by each check. */
  readonly pulls: boolean;
  private readonly removeCollector: (() => void) | undefined;

  /** `publishAll` publishes every window's gauges (through {@link window}); it runs as the collector. */
  constructor(
    private readonly r: Recorder,
    publishAll: () => void,
  ) {
    describeRows(r, Object.values(MONITOR_METRICS));
    const p = MONITOR_METRICS.peers[0];
    this.peers = { up: r.registerGauge(p, { state: 'up' }), down: r.registerGauge(p, { state: 'down' }), unknown: r.registerGauge(p, { state: 'unknown' }) };
    this.dropped = r.registerCounter(MONITOR_METRICS.dropped[0]);
    this.outagesDropped = r.registerCounter(MONITOR_METRICS.outagesDropped[0]);
    this.pulls = canCollect(r);
    this.removeCollector = canCollect(r) ? r.addCollector(`meterkit_monitor_${++monitors.created}`, publishAll) : undefined;
  }

  /** Stops collecting (the monitor closed). */
  close(): void {
    this.removeCollector?.();
  }

  /**
   * Resolves a new window's counter and age gauge (its first metric just arrived: age 0), so a
   * check never resolves 40 000 series at once. The phi gauge is resolved when phi first
   * judges, so none shows a phi that was never computed.
   */
  attach(w: Window): void {
    w.logged = this.r.registerCounter(MONITOR_METRICS.logged[0], { metric: w.name });
    w.ageGauge = this.r.registerGauge(MONITOR_METRICS.age[0], { peer: w.peer, metric: w.name });
  }

  /** Publishes a window's last-seen age and its phi (when phi judged). */
  window(w: Window, now: number, phi: number | null): void {
    w.ageGauge?.set((now - w.lastSeen()) / 1000);
    if (phi !== null) (w.phiGauge ??= this.r.registerGauge(MONITOR_METRICS.phi[0], { peer: w.peer, metric: w.name })).set(phi);
  }

  /** Unpublishes a forgotten window's series. */
  detach(w: Window): void {
    if (!canRemove(this.r)) return;
    const labels = { peer: w.peer, metric: w.name };
    this.r.remove(MONITOR_METRICS.age[0], labels);
    this.r.remove(MONITOR_METRICS.phi[0], labels);
  }

  rejected(reason: InvalidMetricField): void {
    let c = this.invalid.get(reason);
    if (c === undefined) {
      c = this.r.registerCounter(MONITOR_METRICS.invalid[0], { reason });
      this.invalid.set(reason, c);
    }
    c.increment();
  }

  alert(kind: AlertKind, metric: string): void {
    // alerts are rare: resolving per alert keeps no cache that metric names could grow
    this.r.registerCounter(MONITOR_METRICS.alerts[0], { kind, metric }).increment();
  }

  drop(): void {
    this.dropped.increment();
  }

  outageDropped(): void {
    this.outagesDropped.increment();
  }

  peerStates(up: number, down: number, unknown: number): void {
    this.peers.up.set(up);
    this.peers.down.set(down);
    this.peers.unknown.set(unknown);
  }
}

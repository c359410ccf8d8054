/* global document, window, fetch, EventSource, uPlot, ResizeObserver, setTimeout */
// The page's plumbing: the JSON API, the one live event stream, charts. No dependencies but uPlot.

/** GET (or POST) a JSON resource of the agent; throws with the server's message. */
export async function api(path, init) {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  const body = await res.text();
  let json;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new Error(`${path}: ${res.status} ${body.slice(0, 200)} (${err.message})`);
  }
  if (!res.ok) throw new Error(`${path}: ${res.status} ${json.error ?? body}`);
  return json;
}

/** Makes an element: h('div', {class: 'x'}, child, 'text'). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}
const Node = window.Node;

/** Human figures: 1.2 MiB, 3.4 ms, 12.3k. */
export function fmt(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (unit === 'bytes') {
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < u.length - 1) {
      v /= 1024;
      i++;
    }
    return `${v.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
  }
  if (v === 0) return '0';
  if (unit === 'cores') return `${v.toPrecision(3)} cores`;
  if (unit === 'seconds' && v < 0) return `-${fmt(-v, unit)}`;
  if (unit === 'seconds') return v < 1 ? `${(v * 1000).toPrecision(3)} ms` : `${v.toPrecision(3)} s`;
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (Math.abs(v) >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return Number.isInteger(v) ? String(v) : v.toPrecision(3);
}

/** The section shown for a feature that is off: what it is, and the flag and config key that turn it on. */
export function off(what, feature) {
  return h('div', { class: 'off', 'data-off': 'true' }, h('p', null, `${what} is off on this agent.`), h('p', null, 'Turn it on with ', h('code', null, feature.flag), ', or in a config file with ', h('code', null, feature.key), '.'));
}

/**
 * The page's one event stream (an agent serves few at once): the view says which series it
 * wants, then connect() opens /api/v1/events for all of them.
 */
export class Live {
  constructor(status) {
    this.status = status;
    this.subs = new Map();
    this.source = null;
    this.updates = 0;
  }
  subscribe(id, fn) {
    if (!this.subs.has(id)) this.subs.set(id, new Set());
    this.subs.get(id).add(fn);
  }
  reset() {
    this.source?.close();
    this.source = null;
    this.subs.clear();
  }
  connect() {
    this.source?.close();
    this.source = null;
    if (this.subs.size === 0) {
      // this view polls its feature's own API instead
      this.status.textContent = 'live · polling';
      return;
    }
    const q = [...this.subs.keys()].map((id) => `series=${encodeURIComponent(id)}`).join('&');
    const es = new EventSource(`/api/v1/events?${q}`);
    this.source = es;
    es.onmessage = (m) => {
      const { t, points } = JSON.parse(m.data);
      for (const [id, p] of Object.entries(points)) for (const fn of this.subs.get(id) ?? []) fn(p);
      this.updates++;
      this.status.dataset.updates = String(this.updates);
      this.status.textContent = `live · ${new Date(t).toLocaleTimeString()}`;
    };
    es.onerror = () => {
      this.status.textContent = 'reconnecting…';
    };
  }
}

const COLORS = ['#0b5cad', '#b42318', '#1a7f37', '#8250df', '#b35900', '#0a7d8c', '#bf3989', '#57606a'];
/** The stroke of the i-th line of a chart (the browser test looks for the first). */
export const color = (i) => COLORS[i % COLORS.length];

/**
 * A live time chart. `lines`: [{id, label, value(point, previous) → number|null}]: the first
 * points come from /api/v1/history, the next from the event stream; `capacity` points are kept.
 */
export async function liveChart(parent, live, title, lines, { unit, capacity = 300 } = {}) {
  const card = h('div', { class: 'card' }, h('h3', null, title));
  const el = h('div', { class: 'chart', 'data-chart': title });
  card.append(el);
  parent.append(card);
  const ids = [...new Set(lines.map((l) => l.id))];
  if (ids.length === 0) {
    el.append(h('p', { class: 'muted' }, 'no series yet'));
    return;
  }
  const hist = await api(`/api/v1/history?${ids.map((id) => `series=${encodeURIComponent(id)}`).join('&')}`);
  const rows = new Map();
  const last = new Map();
  const add = (id, p) => {
    const prev = last.get(id);
    last.set(id, p);
    const t = p[0] / 1000;
    if (!rows.has(t)) rows.set(t, new Array(lines.length).fill(null));
    lines.forEach((l, i) => {
      if (l.id === id) rows.get(t)[i] = l.value(p, prev) ?? null;
    });
  };
  for (const id of ids) for (const p of hist.series[id] ?? []) add(id, p);
  const data = () => {
    const ts = [...rows.keys()].sort((a, b) => a - b).slice(-capacity);
    for (const t of rows.keys()) if (t < ts[0]) rows.delete(t);
    return [ts, ...lines.map((_, i) => ts.map((t) => rows.get(t)[i]))];
  };
  const axis = { stroke: '#1b1f24', grid: { stroke: '#e5e9ee' }, values: (_u, vs) => vs.map((v) => fmt(v, unit)), size: 70 };
  const opts = {
    width: Math.max(280, el.clientWidth),
    height: 200,
    // from zero, so a flat line reads as "little" rather than filling the chart; 1 ms of lag or GC when all is zero
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), (max ?? 0) > 0 ? max * 1.05 : unit === 'seconds' ? 0.001 : 1] } },
    axes: [{ stroke: '#1b1f24', grid: { stroke: '#e5e9ee' } }, axis],
    series: [{}, ...lines.map((l, i) => ({ label: l.label, stroke: color(i), width: 2, value: (_u, v) => fmt(v, unit) }))],
  };
  const plot = new uPlot(opts, data(), el);
  new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 200 })).observe(el);
  for (const id of ids)
    live.subscribe(id, (p) => {
      add(id, p);
      plot.setData(data());
    });
}

/** Rate per second of a counter value (values[0]) between two points. */
export const rate =
  (k = 1) =>
  (p, prev) =>
    prev === undefined || p[0] === prev[0] || p[k] < prev[k] ? null : ((p[k] - prev[k]) * 1000) / (p[0] - prev[0]);
/** The value at index k of a point. */
export const at = (k) => (p) => p[k];

/** Series of a family: [{id, labels, values}]. */
export async function seriesOf(family) {
  try {
    return (await api(`/api/v1/series?family=${encodeURIComponent(family)}`)).series;
  } catch (err) {
    if (String(err.message).includes(' 404 ')) return [];
    throw err;
  }
}

/** Runs fn now and every ms while the view is shown; `view.gone` stops it. */
export function every(view, ms, fn) {
  const run = () => {
    if (view.gone) return;
    Promise.resolve(fn()).catch((err) => view.error(err));
    setTimeout(run, ms);
  };
  run();
}

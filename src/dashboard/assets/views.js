// The views: each is async (view, live, status) → fills view.el.
import { api, at, color, every, fmt, h, liveChart, off, rate, seriesOf } from './lib.js';
import { explorer } from './explorer.js';

async function overview(view, live, status) {
  if (!status.features.process.on) return view.el.append(off('Process collection', status.features.process));
  const grid = h('div', { class: 'grid' });
  view.el.append(h('h2', null, 'This agent'), grid);
  const one = async (family) => (await seriesOf(family))[0]?.id;
  const [cpu, rss, heap, heapTotal, lag, lagMax] = await Promise.all(
    ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_max_seconds'].map(one),
  );
  const gc = await seriesOf('nodejs_gc_duration_seconds');
  const l = (id, label, value) => (id === undefined ? [] : [{ id, label, value }]);
  await liveChart(grid, live, 'CPU (cores)', l(cpu, 'cpu', rate()));
  await liveChart(grid, live, 'Memory', [...l(rss, 'resident', at(1)), ...l(heap, 'heap used', at(1)), ...l(heapTotal, 'heap total', at(1))], { unit: 'bytes' });
  await liveChart(grid, live, 'Event-loop lag', [...l(lag, 'lag', at(1)), ...l(lagMax, 'max', at(1))], { unit: 'seconds' });
  // GC: seconds spent collecting per second, by kind (the rate of the histogram's sum)
  await liveChart(grid, live, 'GC time per second', gc.map((s) => ({ id: s.id, label: s.labels.kind ?? 'gc', value: rate(2) })), { unit: 'seconds' });
}

async function containers(view, live, status) {
  if (!status.features.docker.on) return view.el.append(off('The Docker collector', status.features.docker));
  const box = h('div', { class: 'scroll' });
  view.el.append(h('h2', null, 'Containers'), box);
  // [column, [[family, unit], …]]: docker_exporter's names first, then cAdvisor's
  const wanted = [
    ['state', [['docker_container_running_state'], ['container_last_seen']]],
    // docker_exporter's figure is cores now; cAdvisor's is CPU seconds so far
    ['cpu', [['docker_container_cpu_usage_cores', 'cores'], ['container_cpu_usage_seconds_total', 'seconds']]],
    ['memory', [['docker_container_memory_used_bytes', 'bytes'], ['container_memory_usage_bytes', 'bytes']]],
    ['net rx', [['docker_container_network_in_bytes', 'bytes'], ['container_network_receive_bytes_total', 'bytes']]],
    ['net tx', [['docker_container_network_out_bytes', 'bytes'], ['container_network_transmit_bytes_total', 'bytes']]],
  ];
  every(view, 5000, async () => {
    const rows = new Map();
    for (const [col, families] of wanted) {
      for (const [name, unit] of families) {
        for (const s of await seriesOf(name)) {
          const who = s.labels.name ?? s.labels.container_name ?? s.labels.id ?? '?';
          if (!rows.has(who)) rows.set(who, {});
          const r = rows.get(who);
          r[col] = (r[col] ?? 0) + s.values[0];
          r[`${col}unit`] = unit;
        }
      }
    }
    const cols = wanted.map((w) => w[0]);
    box.replaceChildren(
      rows.size === 0
        ? h('p', { class: 'muted' }, 'no containers seen yet')
        : h('table', null, h('tr', null, h('th', null, 'container'), cols.map((c) => h('th', null, c))), [...rows].map(([who, r]) => h('tr', { 'data-container': who }, h('td', null, who), cols.map((c) => h('td', null, c === 'state' ? stateOf(r.state) : fmt(r[c], r[`${c}unit`])))))),
    );
  });
}

/** docker_exporter's running state (1/0), or cAdvisor's last-seen time (present: it runs). */
const stateOf = (v) => (v === undefined ? '–' : v === 1 || v > 1e9 ? 'running' : 'not running');

async function proxy(view, live, status) {
  if (!status.features.proxy.on) return view.el.append(off('The TCP proxy', status.features.proxy));
  const servers = Object.values(await api('/servers'));
  for (const s of servers) {
    const table = h('div', { class: 'scroll' });
    const chart = h('canvas', { class: 'heatmap', 'data-rates': s.name, width: 800, height: 160, 'aria-label': `rx/tx bytes per second of ${s.name}` });
    const figures = h('p', { class: 'muted' });
    view.el.append(h('h2', null, `Server ${s.name} on ${s.bind} (${s.strategy})`), figures, table, h('div', { class: 'card' }, h('h3', null, 'Bytes per second: ', h('span', { style: `color:${color(0)}` }, 'rx (backend → client)'), ' · ', h('span', { style: `color:${color(1)}` }, 'tx (client → backend)')), chart));
    const hist = [];
    every(view, 1000, async () => {
      const st = await api(`/servers/${encodeURIComponent(s.name)}/stats`);
      hist.push([st.rx_second, st.tx_second]);
      if (hist.length > 300) hist.shift();
      figures.textContent = `${st.active_connections} active connections · rx ${fmt(st.rx_total, 'bytes')} (${fmt(st.rx_second, 'bytes')}/s) · tx ${fmt(st.tx_total, 'bytes')} (${fmt(st.tx_second, 'bytes')}/s)`;
      table.replaceChildren(
        h(
          'table',
          null,
          h('tr', null, ['backend', 'state', 'weight', 'priority', 'active', 'total', 'refused', 'rx', 'tx', 'rx/s', 'tx/s'].map((c) => h('th', null, c))),
          st.backends.map((b) =>
            h(
              'tr',
              { 'data-backend': `${b.host}:${b.port}` },
              h('td', null, `${b.host}:${b.port}`),
              h('td', { class: b.stats.live ? 'up' : 'down' }, b.stats.live ? 'up' : 'down'),
              [b.weight, b.priority, b.stats.active_connections, b.stats.total_connections, b.stats.refused_connections].map((v) => h('td', null, v)),
              [b.stats.rx, b.stats.tx, b.stats.rx_second, b.stats.tx_second].map((v) => h('td', null, fmt(v, 'bytes'))),
            ),
          ),
        ),
      );
      drawRates(chart, hist);
    });
  }
}

/** Two lines (rx, tx) on a plain canvas: the proxy's figures come from its REST API, not the history. */
function drawRates(canvas, hist) {
  // drawn at the size shown, so text and lines are not stretched
  const w = (canvas.width = Math.max(280, canvas.clientWidth));
  const ht = (canvas.height = canvas.clientHeight || 160);
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, w, ht);
  const max = Math.max(1, ...hist.flat());
  g.fillStyle = '#4a5360';
  g.font = '12px system-ui';
  g.fillText(`${fmt(max, 'bytes')}/s`, 4, 12);
  [0, 1].forEach((k) => {
    g.strokeStyle = color(k);
    g.lineWidth = 2;
    g.beginPath();
    hist.forEach((p, i) => {
      const x = (i / Math.max(1, hist.length - 1)) * (w - 8) + 4;
      const y = ht - 4 - (p[k] / max) * (ht - 20);
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    });
    g.stroke();
  });
}

async function peers(view, live, status) {
  if (!status.features.monitor.on) return view.el.append(off('The peer monitor', status.features.monitor));
  const table = h('div', { class: 'scroll' });
  const timeline = h('ol', { class: 'timeline', reversed: true, 'aria-label': 'alert timeline' });
  view.el.append(h('h2', null, 'Peers'), table, h('h2', null, "Alert timeline (the monitor's last 100 alerts)"), timeline);
  every(view, 1000, async () => {
    // the monitor's own record of its alerts: complete between polls, and there when the page opens
    const [rows, alerts] = await Promise.all([api('/monitor/v1/peers'), api('/monitor/v1/alerts')]);
    const now = Date.now();
    timeline.replaceChildren(
      ...(alerts.length === 0
        ? [h('li', { class: 'muted' }, 'no alerts yet')]
        : alerts.map((a) =>
            h(
              'li',
              { 'data-alert': a.kind },
              `${new Date(a.time).toLocaleTimeString()} peer ${a.peer} metric ${a.metric} `,
              h('span', { class: a.kind === 'up' ? 'up' : 'down' }, a.kind),
              a.kind === 'up' && a.downSince !== undefined ? ` after ${fmt((a.time - a.downSince) / 1000, 'seconds')} down` : '',
            ),
          )),
    );
    table.replaceChildren(
      h(
        'table',
        null,
        h('tr', null, ['peer', 'metric', 'state', 'value', 'last seen', 'expires', 'phi'].map((c) => h('th', null, c))),
        rows.map((r) =>
          h(
            'tr',
            { 'data-peer': r.peer, 'data-state': r.state },
            h('td', null, r.peer),
            h('td', null, r.metric),
            h('td', { class: r.state === 'up' ? 'up' : 'down' }, r.state),
            h('td', null, String(r.value)),
            h('td', null, `${fmt((now - r.lastSeen) / 1000, 'seconds')} ago`),
            h('td', null, r.expire > now ? `in ${fmt((r.expire - now) / 1000, 'seconds')}` : `${fmt((now - r.expire) / 1000, 'seconds')} ago`),
            h('td', null, r.phi === null ? '–' : r.phi.toFixed(2)),
          ),
        ),
      ),
    );
  });
}

async function notifications(view, live, status) {
  if (!status.features.notify.on) return view.el.append(off('Notifications', status.features.notify));
  const endpoints = h('div', { class: 'scroll' });
  const letters = h('div', { class: 'scroll' });
  const said = h('p', { 'aria-live': 'polite', class: 'muted' });
  view.el.append(h('h2', null, 'Endpoints'), endpoints, h('h2', null, 'Dead letters'), said, letters);
  const replay = async (name) => {
    const q = name === undefined ? '' : `?endpoint=${encodeURIComponent(name)}`;
    const r = await api(`/notify/v1/dead-letters/replay${q}`, { method: 'POST' });
    said.textContent = `replayed ${r.replayed} event(s)${name === undefined ? '' : ` to ${name}`}`;
  };
  every(view, 2000, async () => {
    // the endpoints' own vars: /debug/vars would run every collector and serialize the registry
    const list = await api('/notify/v1/endpoints');
    endpoints.replaceChildren(
      h(
        'table',
        null,
        h('tr', null, ['endpoint', 'url', 'pending', 'events', 'successes', 'failures', 'errors', ''].map((c) => h('th', null, c))),
        list.map((e) =>
          h(
            'tr',
            { 'data-endpoint': e.name },
            h('td', null, e.name),
            h('td', null, e.url),
            ['Pending', 'Events', 'Successes', 'Failures', 'Errors'].map((k) => h('td', { class: k === 'Failures' || k === 'Errors' ? (e.Metrics[k] > 0 ? 'bad' : '') : '' }, fmt(e.Metrics[k]))),
            h('td', null, h('button', { class: 'action', onclick: () => replay(e.name).catch((err) => view.error(err)) }, `Replay ${e.name}'s dead letters`)),
          ),
        ),
      ),
    );
    const dl = await api('/notify/v1/dead-letters?limit=100');
    letters.replaceChildren(
      dl.length === 0
        ? h('p', { class: 'muted' }, 'none')
        : h('table', null, h('tr', null, ['when', 'endpoint', 'action', 'event id', 'reason'].map((c) => h('th', null, c))), dl.map((d) => h('tr', null, h('td', null, new Date(d.at).toLocaleString()), h('td', null, d.endpoint), h('td', null, d.event.action), h('td', null, d.event.id), h('td', null, d.reason?.message ?? JSON.stringify(d.reason))))),
    );
  });
}

/** The views by name, in tab order. */
export const VIEWS = { overview, explorer, containers, proxy, peers, notifications };

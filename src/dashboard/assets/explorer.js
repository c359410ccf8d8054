/* global setTimeout, clearTimeout */
// The metrics explorer: search families, pick series, a live chart; histograms as quantiles or a heatmap.
import { api, at, fmt, h, liveChart, rate } from './lib.js';

/** Series a chart shows at most (each is one watched series of the agent's bounded history). */
const MAX_PICKED = 8;

export async function explorer(view, live) {
  const search = h('input', { type: 'search', placeholder: 'Search metrics (name or help)', 'aria-label': 'Search metrics', id: 'search' });
  const list = h('div', { class: 'families', role: 'list', 'aria-label': 'metric families' });
  const detail = h('div', null, h('p', { class: 'muted' }, 'Pick a metric family on the left.'));
  view.el.append(h('div', { class: 'explorer' }, h('div', null, search, list), detail));
  let chosen = null;
  const show = async () => {
    const fams = await api(`/api/v1/families?q=${encodeURIComponent(search.value)}&limit=500`);
    list.replaceChildren(
      ...fams.map((f) =>
        h(
          'button',
          { role: 'listitem', 'data-family': f.name, 'aria-pressed': String(f.name === chosen), onclick: () => pick(f).catch((err) => view.error(err)) },
          f.name,
          h('br'),
          h('small', null, `${f.kind} · ${f.series} series${f.help ? ` · ${f.help}` : ''}`),
        ),
      ),
    );
    if (fams.length === 0) list.append(h('p', { class: 'muted', style: 'padding:8px' }, 'no family matches'));
  };
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => show().catch((err) => view.error(err)), 150);
  });
  const pick = async (f) => {
    chosen = f.name;
    for (const b of list.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.family === f.name));
    const s = await api(`/api/v1/series?family=${encodeURIComponent(f.name)}`);
    const unit = f.unit === 'seconds' || f.unit === 'bytes' ? f.unit : undefined;
    const boxes = s.series.map((x, i) => h('input', { type: 'checkbox', value: x.id, checked: i < 4, 'aria-label': x.id }));
    const mode = h('select', { 'aria-label': 'chart mode' }, f.kind === 'histogram' ? [h('option', { value: 'quantiles' }, 'quantiles'), h('option', { value: 'heatmap' }, 'heatmap')] : f.kind === 'counter' ? [h('option', { value: 'rate' }, 'rate per second'), h('option', { value: 'value' }, 'total')] : [h('option', { value: 'value' }, 'value')]);
    const charts = h('div', { class: 'grid' });
    const table = h(
      'table',
      null,
      h('tr', null, h('th', null, 'show'), h('th', null, 'series'), h('th', null, f.kind === 'histogram' ? 'count' : 'value')),
      s.series.map((x, i) => h('tr', null, h('td', null, boxes[i]), h('td', null, x.id), h('td', null, fmt(x.values[0], f.kind === 'histogram' ? undefined : unit)))),
    );
    const draw = async () => {
      // a new chart set: the stream is reopened for exactly what is shown
      live.reset();
      charts.replaceChildren();
      const ids = boxes.filter((b) => b.checked).map((b) => b.value).slice(0, MAX_PICKED);
      if (f.kind === 'histogram' && mode.value === 'heatmap') for (const id of ids) await heatmap(charts, live, id, s.bounds);
      else if (f.kind === 'histogram')
        for (const id of ids) await liveChart(charts, live, id, s.quantiles.map((q, k) => ({ id, label: `p${q * 100}`, value: at(3 + k) })), { unit });
      else await liveChart(charts, live, f.name, ids.map((id) => ({ id, label: id.slice(f.name.length) || f.name, value: mode.value === 'rate' ? rate() : at(1) })), { unit: mode.value === 'rate' ? undefined : unit });
      live.connect();
    };
    for (const b of [...boxes, mode]) b.addEventListener('change', () => draw().catch((err) => view.error(err)));
    detail.replaceChildren(h('h2', null, f.name), h('p', { class: 'muted' }, f.help ?? ''), h('div', { class: 'row' }, h('label', null, 'Chart ', mode), h('span', { class: 'muted' }, `up to ${MAX_PICKED} series`)), charts, h('div', { class: 'scroll' }, table));
    await draw();
  };
  await show();
}

/** A heatmap of a histogram: time across, buckets up, colour = observations per bucket per sample. */
async function heatmap(parent, live, id, bounds) {
  const canvas = h('canvas', { class: 'heatmap', 'data-heatmap': id, width: 800, height: 220, 'aria-label': `heatmap of ${id}` });
  parent.append(h('div', { class: 'card' }, h('h3', null, `${id} (heatmap)`), canvas));
  const hist = await api(`/api/v1/history?series=${encodeURIComponent(id)}`);
  const points = hist.series[id] ?? [];
  const n = bounds.length + 1;
  const draw = () => {
    const w = (canvas.width = Math.max(280, canvas.clientWidth));
    const ht = (canvas.height = canvas.clientHeight || 220);
    const g = canvas.getContext('2d');
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, w, ht);
    const cols = [];
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1].slice(6);
      const b = points[i].slice(6);
      cols.push(b.map((c, k) => Math.max(0, c - (b[k - 1] ?? 0) - (a[k] - (a[k - 1] ?? 0)))));
    }
    const max = Math.max(1, ...cols.flat());
    const cw = (w - 60) / Math.max(1, cols.length);
    const rh = (ht - 10) / n;
    cols.forEach((col, x) =>
      col.forEach((v, y) => {
        if (v <= 0) return;
        g.fillStyle = `rgba(11, 92, 173, ${0.15 + 0.85 * (v / max)})`;
        g.fillRect(60 + x * cw, ht - (y + 1) * rh, Math.ceil(cw), Math.ceil(rh));
      }),
    );
    g.fillStyle = '#1b1f24';
    g.font = '11px system-ui';
    bounds.forEach((b, y) => g.fillText(`≤ ${fmt(b)}`, 2, ht - y * rh - 4));
    g.fillText('+Inf', 2, ht - bounds.length * rh - 4);
  };
  draw();
  live.subscribe(id, (p) => {
    points.push(p);
    if (points.length > 300) points.shift();
    draw();
  });
}

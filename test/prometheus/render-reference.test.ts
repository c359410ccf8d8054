/**
 * The renderer writes bytes with cached label blocks and digit fast paths; this checks it
 * against a straightforward reference rendering (strings, one line at a time, every label
 * escaped for every line) on randomized registries: label values with escapes, non-ASCII
 * and astral characters, values past int32 and 2^53, -0, tiny and huge floats, NaN from empty
 * summaries, +Inf buckets, exemplars (OpenMetrics), explicit sample times, several label sets
 * in one family, names given in another order, a label value longer than a writer slab.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from '../../src/index.js';
import type { FamilyView } from '../../src/core/family.js';
import { counterBase } from '../../src/core/exposed-names.js';
import type { CounterView, GaugeView, HistogramView, SeriesView } from '../../src/core/series.js';
import type { ExpositionFormat, MetricSource } from '../../src/prometheus/index.js';
import { SUMMARY_QUANTILES, escapeHelp, escapeLabelValue, formatBound, formatValue, render, renderChunks } from '../../src/prometheus/index.js';
import { renderBuffers } from '../../src/prometheus/render.js';
import { rng } from '../helpers/random.js';
import { needs } from '../helpers/tools.js';
import { parseOpenMetrics, promtoolCheck } from '../helpers/validate.js';

/** The exposition rules written the plain way: what the fast renderer must equal, byte for byte. */
function reference(source: MetricSource, format: ExpositionFormat, created: boolean): string {
  const om = format === 'openmetrics';
  const num = formatValue;
  const exemplar = (e: { labels: readonly string[]; value: number; timestamp: number } | null): string => {
    if (!om || e === null) return '';
    const pairs: string[] = [];
    for (let i = 0; i < e.labels.length; i += 2) pairs.push(`${e.labels[i] as string}="${escapeLabelValue(e.labels[i + 1] as string)}"`);
    return ` # {${pairs.join(',')}} ${num(e.value)} ${num(e.timestamp / 1000)}`;
  };
  const fams = [...source.families()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let out = '';
  for (const f of fams as FamilyView[]) {
    const base = f.kind === 'counter' ? counterBase(f.name) : f.name;
    const sample = f.kind === 'counter' ? `${base}_total` : f.name;
    const summary = f.layout !== undefined && f.layout.bounds.length === 0 && f.layout.sketchAccuracy !== null;
    const title = om ? base : sample;
    out += `# TYPE ${title} ${f.kind === 'histogram' ? (summary ? 'summary' : 'histogram') : f.kind}\n`;
    if (om && f.unit !== undefined && base.endsWith(`_${f.unit}`)) out += `# UNIT ${title} ${f.unit}\n`;
    if (f.description !== undefined) out += `# HELP ${title} ${escapeHelp(f.description, format)}\n`;
    f.forEachSeries((s: SeriesView, values) => {
      const names = s.owner.labelNames;
      const pairs = values.map((v, i) => `${names[i] as string}="${escapeLabelValue(v)}"`);
      const braces = (extra?: string): string => {
        const all = extra === undefined ? pairs : [...pairs, extra];
        return all.length === 0 ? '' : `{${all.join(',')}}`;
      };
      const createdLine = (): string => (om && created ? `${base}_created${braces()} ${num(source.createdAt(s) / 1000)}\n` : '');
      if (f.kind === 'counter') {
        const c = s as CounterView;
        out += `${sample}${braces()} ${num(c.value)}${exemplar(c.exemplar)}\n${createdLine()}`;
      } else if (f.kind === 'gauge') {
        const g = s as GaugeView;
        const ts = g.timestamp === 0 ? '' : ` ${om ? num(g.timestamp / 1000) : String(g.timestamp)}`;
        out += `${sample}${braces()} ${num(g.value)}${ts}\n`;
      } else {
        const h = s as HistogramView;
        if (h.layout.bounds.length === 0 && h.sketch !== null) {
          for (const q of SUMMARY_QUANTILES) out += `${f.name}${braces(`quantile="${formatBound(q, format)}"`)} ${num(h.sketch.quantile(q))}\n`;
        } else {
          let cum = 0;
          Array.from(h.bucketCounts).forEach((n, i) => {
            cum += n;
            const le = i < h.layout.bounds.length ? formatBound(h.layout.bounds[i] as number, format) : '+Inf';
            out += `${f.name}_bucket${braces(`le="${le}"`)} ${String(cum)}${exemplar(h.exemplars?.[i] ?? null)}\n`;
          });
        }
        out += `${f.name}_sum${braces()} ${num(h.sum)}\n${f.name}_count${braces()} ${String(h.count)}\n${createdLine()}`;
      }
    });
  }
  return om ? `${out}# EOF\n` : out;
}

const PIECES = ['a', 'route', '/api/v1', '"', '\\', '\n', '\\n', 'ü', '☃', '🚀', ' ', '{', '}', ',', '=', '0', '9', 'Ω', '\u00ff', '\u0100'];
const VALUES = [0, -0, 1, 7, 42, 977, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, 2 ** 53 + 2, 1e21, 1.5e300, 0.1, 1e-7, 1e-12, 123.456, -5, -(2 ** 31), -1e-300];

function randomRegistry(seed: number): Registry {
  const rnd = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const text = (): string => {
    let s = '';
    const n = Math.floor(rnd() * 6);
    for (let i = 0; i < n; i++) s += pick(PIECES);
    return s;
  };
  // a fixed clock: _created samples and exemplar times are then the same in both renderings
  const r = new Registry({ now: () => 1_700_000_000_000 + seed, onError: () => undefined, cardinalityLimit: 100_000 });
  r.describeCounter('req_total', undefined, `Requests ${text()}`);
  r.describeGauge('temp_celsius', undefined, text());
  r.setHistogramOptions('lat_seconds', { buckets: [0.005, 0.1, 1, 2.5, 1e21] });
  r.describeHistogram('lat_seconds', undefined, 'Latency "q" \\ \n');
  r.setHistogramOptions('sum_seconds', { buckets: [], quantiles: true });
  const firsts = Array.from({ length: 12 }, text);
  for (let i = 0; i < 400; i++) {
    const a = pick(firsts);
    const b = text();
    const v = pick(VALUES);
    // exemplar values without braces: python-prometheus-client's parser cuts an exemplar at the first '}'
    const ex = rnd() < 0.2 ? { labels: { trace_id: text().replace(/[{}]/g, '') }, timestamp: 1_700_000_000_000 + Math.floor(rnd() * 1e6) } : undefined;
    switch (Math.floor(rnd() * 9)) {
      case 0:
        r.counter('req_total', { a, b }).increment(Math.abs(v), ex);
        break;
      case 1:
        r.counter('req_total', { b, a }).increment(1); // the same series, names in another order
        break;
      case 2:
        r.counter('req_total', { a, b, c: text() }).increment(Math.abs(v)); // a second label set
        break;
      case 3:
        r.counter('req_total').increment(Math.abs(v)); // no labels
        break;
      case 4:
        r.gauge('temp_celsius', { a }).set(v);
        break;
      case 5:
        r.gauge('temp_celsius', { a, b }).setAt(v, 1_700_000_000_000 + Math.floor(rnd() * 1e6));
        break;
      case 6:
        r.histogram('lat_seconds', { a, b }).record(Math.abs(v) > 1e20 ? 3 : Math.abs(v), ex); // OpenMetrics parsers refuse a negative _sum
        break;
      case 7:
        r.histogram('sum_seconds', rnd() < 0.5 ? { a } : undefined).record(Math.abs(v) > 1e20 ? 1 : Math.abs(v));
        break;
      default:
        r.histogram('lat_seconds', { a, b }); // a histogram that saw nothing
    }
  }
  r.histogram('sum_seconds', { a: 'empty' }); // quantiles of nothing: NaN
  // a label value longer than a writer slab, with multi-byte characters around the slab edge
  r.gauge('long_value', { v: `${'x'.repeat(65_530)}☃🚀ü${'y'.repeat(70_000)}` }).set(1);
  return r;
}

/** Equal strings, or a failure that shows where they part (the texts are too long to print whole). */
function sameText(got: string, want: string, what: string): void {
  if (got === want) return;
  let i = 0;
  while (got[i] === want[i]) i++;
  assert.fail(`${what}: differs at ${i}: got ${JSON.stringify(got.slice(i - 80, i + 80))}, want ${JSON.stringify(want.slice(i - 80, i + 80))}`);
}

const VARIANTS: Array<[ExpositionFormat, boolean]> = [
  ['prometheus', false],
  ['openmetrics', false],
  ['openmetrics', true],
];

describe('render equals the reference rendering', () => {
  it('on randomized registries, in both formats, with and without _created', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const r = randomRegistry(seed);
      for (const [format, created] of VARIANTS) {
        sameText(render(r, { format, created }), reference(r, format, created), `seed ${seed}, ${format}, created ${created}`);
      }
    }
  });

  it('renderChunks and renderBuffers give the same text in slices, no character split', async () => {
    const r = randomRegistry(99);
    for (const [format, created] of VARIANTS) {
      const want = reference(r, format, created);
      const strings: string[] = [];
      for await (const c of renderChunks(r, { format, created, sliceSize: 7 })) strings.push(c);
      assert.ok(strings.length > 20, `${strings.length} chunks`);
      sameText(strings.join(''), want, `renderChunks ${format}`);
      const buffers: Buffer[] = [];
      for await (const b of renderBuffers(r, { format, created, sliceSize: 50 })) buffers.push(b);
      assert.ok(buffers.every((b) => !b.toString('utf8').includes('\ufffd')), 'every chunk decodes on its own');
      assert.ok(Buffer.concat(buffers).equals(Buffer.from(want, 'utf8')));
    }
  });

  it('the comparison can fail: one changed byte is seen', () => {
    const r = randomRegistry(3);
    const text = render(r);
    const i = text.indexOf('} ') + 2;
    assert.throws(() => sameText(`${text.slice(0, i)}9${text.slice(i + 1)}`, reference(r, 'prometheus', false), 'changed'), /differs at/);
  });

  it('randomized output is accepted by promtool', { ...needs('promtool') }, async () => {
    for (const seed of [5, 6]) await promtoolCheck(render(randomRegistry(seed)));
  });

  it('randomized OpenMetrics is accepted by the python parser, label values intact', { ...needs('openmetrics') }, async () => {
    const r = randomRegistry(7);
    const fams = await parseOpenMetrics(render(r, { format: 'openmetrics', created: true }));
    const long = fams.find((f) => f.name === 'long_value');
    assert.equal(long?.samples[0]?.labels.v, `${'x'.repeat(65_530)}☃🚀ü${'y'.repeat(70_000)}`);
    const req = fams.find((f) => f.name === 'req');
    assert.ok((req?.samples.length ?? 0) > 10);
  });
});

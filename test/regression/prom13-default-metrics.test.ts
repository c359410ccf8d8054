/*
 * Review findings of issue #13 on collectDefaultMetrics (src/prom-client/default-metrics.ts):
 * - every default metric gets aggregator "sum" (MetricConfiguration's default); prom-client
 *   gives process_start_time_seconds "omit", nodejs_version_info "first" and the event-loop
 *   lag gauges "average"/"min"/"max". Under AggregatorRegistry.clusterMetrics() four workers
 *   then report nodejs_version_info 4, a start time 4× the epoch seconds and 4× the lag.
 * - registry.resetMetrics() on them (Counter/Gauge.reset on an adopted store) adds a
 *   label-less series at 0 beside the collector's labelled one, and zeroes nodejs_version_info.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import promClient from 'prom-client';
import * as shim from '../../src/prom-client/index.js';

type Lib = typeof shim;
const real = promClient as unknown as Lib;

async function aggregatorsOf(lib: Lib): Promise<Map<string, string>> {
  const reg = new lib.Registry();
  lib.collectDefaultMetrics({ register: reg } as never);
  return new Map((await reg.getMetricsAsJSON()).map((m) => [m.name, m.aggregator]));
}

describe('prom13: collectDefaultMetrics', () => {
  it('gives each default metric prom-client\'s aggregator (omit, first, average, min, max)', async () => {
    const want = await aggregatorsOf(real);
    const got = await aggregatorsOf(shim);
    const wrong: string[] = [];
    for (const [name, agg] of want) if (got.has(name) && got.get(name) !== agg) wrong.push(`${name}: ${String(got.get(name))}, prom-client ${agg}`);
    assert.deepEqual(wrong, []);
  });

  it('resetMetrics() leaves no label-less series beside the labelled ones and keeps nodejs_version_info at 1', async () => {
    const reg = new shim.Registry();
    shim.collectDefaultMetrics({ register: reg, labels: { app: 'x' } } as never);
    await reg.metrics();
    reg.resetMetrics();
    const text = await reg.metrics();
    assert.doesNotMatch(text, /^process_cpu_user_seconds_total 0$/m, 'a label-less series appeared');
    assert.match(text, /^nodejs_version_info\{[^}]*app="x"[^}]*\} 1$/m, text.split('\n').filter((l) => l.startsWith('nodejs_version_info')).join('\n'));
  });
});

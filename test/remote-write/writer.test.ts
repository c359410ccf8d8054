import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needs, requireTools, run, tempDir } from '../helpers/tools.js';
import { Registry, Unit } from '../../src/index.js';
import { REMOTE_WRITE_METRICS, RemoteWriter, USER_AGENT } from '../../src/remote-write/index.js';
import type { RemoteWriteOptions } from '../../src/remote-write/index.js';
import type { WriteReceiver } from '../helpers/write-receiver.js';
import { startWriteReceiver } from '../helpers/write-receiver.js';

/** The value of a writer metric (summed over its series). */
function metric(reg: Registry, name: string): number {
  let n = 0;
  reg.family(name)?.forEachSeries((s) => (n += s.kind === 'histogram' ? s.count : s.value));
  return n;
}

describe('RemoteWriter', () => {
  const receivers: WriteReceiver[] = [];
  const writers: RemoteWriter[] = [];
  after(async () => {
    for (const w of writers) await w.close();
    for (const r of receivers) await r.close();
  });
  async function setup(o: Partial<RemoteWriteOptions> = {}): Promise<{ rx: WriteReceiver; reg: Registry; metrics: Registry; w: RemoteWriter; errors: Error[] }> {
    const rx = await startWriteReceiver();
    receivers.push(rx);
    const reg = new Registry();
    const metrics = new Registry();
    const errors: Error[] = [];
    const w = new RemoteWriter({ url: rx.url, source: reg, metrics, minBackoff: 5, maxBackoff: 50, onError: (e) => errors.push(e), ...o });
    writers.push(w);
    return { rx, reg, metrics, w, errors };
  }

  it('speaks remote write 1.0: headers, snappy, sorted labels, external labels, metadata', async () => {
    let t = 1_700_000_000_123;
    const { rx, reg, w } = await setup({ externalLabels: { zone: 'z1', cluster: 'c' }, headers: { 'X-Scope-OrgID': 'tenant-1' }, auth: { token: 'sekret' }, now: () => t });
    reg.describeCounter('jobs_total', undefined, 'Jobs done');
    reg.describeGauge('queue_size_bytes', Unit.Bytes, 'Queue size');
    reg.setHistogramOptions('lat', { buckets: [1] });
    reg.setHistogramOptions('sz', { buckets: [], quantiles: true });
    reg.counter('jobs_total', { Zeta: 'up', alpha: 'a' }).increment(2);
    reg.gauge('queue_size_bytes').set(0);
    reg.histogram('lat').record(0.5);
    reg.histogram('sz').record(3);
    await w.flush();
    const samples = rx.requests.filter((r) => r.decoded.timeseries.length > 0);
    assert.equal(samples.length, 1);
    const req = samples[0]!;
    assert.equal(req.headers['content-encoding'], 'snappy');
    assert.equal(req.headers['content-type'], 'application/x-protobuf');
    assert.equal(req.headers['x-prometheus-remote-write-version'], '0.1.0');
    assert.equal(req.headers['user-agent'], USER_AGENT);
    assert.equal(req.headers['x-scope-orgid'], 'tenant-1');
    assert.equal(req.headers.authorization, 'Bearer sekret');
    const names = req.decoded.timeseries[0]!.labels.map((l) => l.name);
    assert.deepEqual(names, ['Zeta', '__name__', 'alpha', 'cluster', 'zone'], 'byte order, as the spec asks');
    for (const ts of req.decoded.timeseries) {
      assert.equal(ts.samples.length, 1);
      assert.equal(ts.samples[0]!.timestamp, t);
    }
    const got = rx.accepted().map((s) => `${s.labels.__name__}${s.labels.le !== undefined ? `{le=${s.labels.le}}` : ''}${s.labels.quantile !== undefined ? `{q=${s.labels.quantile}}` : ''}=${s.value}`);
    assert.deepEqual(got.sort(), ['jobs_total=2', 'lat_bucket{le=+Inf}=1', 'lat_bucket{le=1}=1', 'lat_count=1', 'lat_sum=0.5', 'queue_size_bytes=0', 'sz_count=1', 'sz_sum=3', 'sz{q=0.5}=3', 'sz{q=0.9}=3', 'sz{q=0.99}=3', 'sz{q=0.999}=3'].sort());
    const meta = rx.requests.find((r) => r.decoded.metadata.length > 0);
    assert.ok(meta !== undefined, 'metadata sent');
    const byName = Object.fromEntries(meta.decoded.metadata.map((m) => [m.metricFamilyName, m]));
    assert.deepEqual(byName.jobs_total, { type: 1, metricFamilyName: 'jobs_total', help: 'Jobs done', unit: '' });
    assert.deepEqual(byName.queue_size_bytes, { type: 2, metricFamilyName: 'queue_size_bytes', help: 'Queue size', unit: 'bytes' });
    assert.equal(byName.lat?.type, 3);
    assert.equal(byName.sz?.type, 5);
    t += 1;
    await w.flush();
    assert.equal(rx.requests.filter((r) => r.decoded.metadata.length > 0).length, 1, 'metadata again only after metadataInterval');
  });

  it('batches at most maxSamplesPerSend, keeps each series in order across shards, never resends a timestamp', async () => {
    let t = 1_700_000_000_000;
    const { rx, reg, metrics, w } = await setup({ shards: 4, maxSamplesPerSend: 7, now: () => t });
    const gs = Array.from({ length: 50 }, (_, i) => reg.gauge('g', { i: String(i) }));
    for (let k = 1; k <= 3; k++) {
      gs.forEach((g) => g.set(k));
      await w.snapshot();
      t += 1000;
    }
    t -= 1000; // same time as the last snapshot: nothing new to send
    await w.flush();
    assert.ok(rx.requests.every((r) => r.decoded.timeseries.length <= 7));
    const per = new Map<string, number[]>();
    for (const s of rx.accepted()) per.set(s.labels.i!, [...(per.get(s.labels.i!) ?? []), s.value]);
    assert.equal(per.size, 50);
    for (const [i, values] of per) assert.deepEqual(values, [1, 2, 3], `series ${i}`);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.samples), 150);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.shards), 4);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.pending), 0);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.highestSent), (t) / 1000);
  });

  it('retries network errors, 5xx and 429 (honouring Retry-After), then delivers once', async () => {
    const { rx, reg, metrics, w, errors } = await setup({ sendMetadata: false });
    reg.counter('c_total').increment();
    rx.script([{ reset: true }, { status: 503 }, { status: 429, headers: { 'retry-after': '1' } }]);
    const started = Date.now();
    await w.flush();
    const sampleRequests = rx.requests.filter((r) => r.decoded.timeseries.length > 0);
    assert.deepEqual(sampleRequests.map((r) => r.status), [0, 503, 429, 204]);
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
    assert.equal(rx.accepted().filter((s) => s.labels.__name__ === 'c_total').length, 1);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.retried), 3 * sampleRequests[0]!.decoded.timeseries.length);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.failed), 0);
    assert.equal(errors.length, 1, 'one report per episode');
    assert.match(errors[0]!.message, /retrying/);
  });

  it('does not retry another 4xx: counts the batch failed, reports the reason, goes on', async () => {
    let t = 1_700_000_000_000;
    const { rx, reg, metrics, w, errors } = await setup({ sendMetadata: false, now: () => t });
    reg.counter('c_total').increment();
    rx.script([{ status: 400, body: 'out of order sample' }]);
    await w.flush();
    assert.equal(rx.requests.length, 1);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.failed), 1);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.retried), 0);
    assert.match(errors[0]?.message ?? '', /HTTP 400: out of order sample\); not retried/);
    assert.equal((errors[0] as { code?: string }).code, 'ERR_METERKIT_REMOTE_WRITE');
    t += 1000;
    await w.flush();
    assert.equal(rx.requests.length, 2);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.samples), 1);
  });

  it('close() sends a last snapshot, and gives up after flushDeadline counting what is left as dropped', async () => {
    const { rx, reg, metrics, w } = await setup({ sendMetadata: false, flushDeadline: 100 });
    reg.counter('c_total').increment(5);
    rx.script([], { status: 503 });
    await w.close();
    assert.ok(rx.requests.length >= 1);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.samples), 0);
    assert.equal(metric(metrics, REMOTE_WRITE_METRICS.dropped), 1);
    assert.equal(w.pending, 0);
  });

  it('start() snapshots on its timer; close() delivers the last values', async () => {
    const { rx, reg, w } = await setup({ interval: 2 ** 31 - 1, sendMetadata: false });
    const c = reg.counter('c_total');
    c.increment();
    w.start();
    c.increment(); // before the first tick (it runs on a timer) or after: either way close() sends 2
    await w.close();
    const values = rx.accepted().map((s) => s.value);
    assert.equal(values.at(-1), 2);
  });

  it('speaks TLS: trusts the CA it is given, refuses an unknown certificate, or skips the check when told', needs('openssl'), async () => {
    requireTools('openssl');
    const tmp = tempDir('rw-tls');
    try {
      const [cert, key] = [join(tmp.dir, 'cert.pem'), join(tmp.dir, 'key.pem')];
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
      const pem = { cert: readFileSync(cert), key: readFileSync(key) };
      const rx = await startWriteReceiver(pem);
      receivers.push(rx);
      const reg = new Registry();
      reg.counter('c_total').increment();
      const base = { url: rx.url, source: reg, metrics: new Registry(), sendMetadata: false, minBackoff: 5, maxBackoff: 20, now: () => 1_700_000_000_000 };
      const trusted = new RemoteWriter({ ...base, tls: { ca: pem.cert } });
      await trusted.flush();
      await trusted.close();
      assert.equal(rx.accepted().length, 1);
      const errors: Error[] = [];
      const metrics = new Registry();
      const unknown = new RemoteWriter({ ...base, metrics, flushDeadline: 100, onError: (e) => errors.push(e) });
      await unknown.close();
      assert.match(errors[0]?.message ?? '', /certificate/);
      assert.equal(metric(metrics, REMOTE_WRITE_METRICS.dropped), 1, 'given up at close, counted');
      const skipping = new RemoteWriter({ ...base, tls: { insecureSkipVerify: true } });
      await skipping.flush();
      await skipping.close();
      assert.equal(rx.accepted().length, 2);
    } finally {
      tmp.remove();
    }
  });

  it('two writers share one metrics registry (the agent runs one per --remote-write URL)', async () => {
    const a = await setup({ sendMetadata: false });
    a.reg.counter('c_total').increment();
    await a.w.flush();
    const b = new RemoteWriter({ url: a.rx.url, source: a.reg, metrics: a.metrics, name: 'second', sendMetadata: false });
    writers.push(b);
    await b.flush();
    const names = new Set<string>();
    a.metrics.family(REMOTE_WRITE_METRICS.samples)?.forEachSeries((_s, values) => names.add(values.join()));
    assert.equal(names.size, 2, 'one series per writer');
  });

  it('checks its options', () => {
    const source = new Registry();
    const bad: Array<[Partial<RemoteWriteOptions>, RegExp]> = [
      [{ url: 'ftp://x/' }, /http: or https:/],
      [{ url: 'not a url' }, /"not a url".*absolute/],
      [{ url: 'http://u:s3cret@[bad' }, /^(?!.*s3cret).*not shown/],
      [{ url: 'http://user:pw@x/' }, /credentials not shown/],
      [{ url: 'ftp://user:pw@x/' }, /^(?!.*pw@).*credentials not shown/],
      [{ headers: { 'Content-Type': 'text/plain' } }, /cannot be set/],
      [{ headers: { 'X-A': 'a\nb' } }, /control characters/],
      [{ shards: 0 }, /shards/],
      [{ minBackoff: 100, maxBackoff: 10 }, /maxBackoff/],
      [{ externalLabels: { __name__: 'x' } }, /label name/],
      [{ interval: 0 }, /interval/],
    ];
    for (const [o, re] of bad) assert.throws(() => new RemoteWriter({ url: 'http://127.0.0.1:1/api/v1/write', source, ...o }), (e: unknown) => e instanceof Error && re.test(e.message), JSON.stringify(o));
    const w = new RemoteWriter({ url: 'http://127.0.0.1:1/api/v1/write', source }); // never started: nothing to close
    assert.match(w.name, /^[0-9a-f]{6}$/);
  });
});

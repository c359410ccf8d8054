/**
 * Worker: the scraper of the render bench. It runs on its own thread, as Prometheus runs in its
 * own process, so the server's thread does only the server's work. On each `{ url, gzip }` it
 * scrapes once and posts back the wall time from request to last byte and the body's size
 * (a gzip body is counted as received, not inflated: inflating is the scraper's cost).
 */
import { request } from 'node:http';
import { parentPort } from 'node:worker_threads';

function scrape(url: string, gzip: boolean): Promise<{ ms: number; bytes: number; encoding: string | undefined }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    request(url, { headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('error', reject);
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes, encoding: res.headers['content-encoding'] }));
    })
      .on('error', reject)
      .end();
  });
}

parentPort?.on('message', (m: { url: string; gzip: boolean }) => {
  scrape(m.url, m.gzip).then(
    (r) => parentPort?.postMessage(r),
    (err: unknown) => parentPort?.postMessage({ error: String(err) }),
  );
});

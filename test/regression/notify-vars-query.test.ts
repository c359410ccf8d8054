/**
 * Regression: a notification endpoint's URL in `/debug/vars` (Broadcaster.vars()) lost only its
 * user name and password; a credential in the query string (`?token=…`, as many webhook services
 * issue them) was shown whole. It now follows the one URL redaction rule (src/core/redact.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Broadcaster, MemoryQueue } from '../../src/notify/index.js';

describe('notify: endpoint URLs in /debug/vars', () => {
  const b = new Broadcaster({
    endpoints: [{ name: 'hook', url: 'http://ops:hunter2@127.0.0.1:9/hook?token=s3cr3t-query&team=a' }],
    source: { instance: 'test', addr: '127.0.0.1:0' },
    queue: new MemoryQueue(),
  });
  after(() => b.close());

  it('show no user information and no query value, and keep the rest of the URL', () => {
    const url = String(b.vars().endpoints[0]?.url);
    assert.ok(!url.includes('hunter2'), url);
    assert.ok(!url.includes('s3cr3t-query'), url);
    assert.match(url, /^http:\/\/127\.0\.0\.1:9\/hook\?token=\(hidden\)&team=\(hidden\)$/);
  });
});

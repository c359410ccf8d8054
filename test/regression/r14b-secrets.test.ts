/**
 * #14 review round 2: the one URL redaction rule (src/core/redact.ts: every query value hidden)
 * was made the rule in round one, but the notifier still shows endpoint URLs by a second rule
 * (`publicUrl`: user information only). A webhook URL that carries its token in the query
 * (`?token=…`, as many services issue them) then shows it in /debug/vars — which the dashboard's
 * Notifications view renders — and in the config check's message for a bad scheme.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { checkConfigText, formatProblem } from '../../src/cli/config/load.js';
import { Broadcaster } from '../../src/notify/index.js';

const TOKEN = 'Q5ecr3tT0ken';

describe('r14b endpoint URLs are shown by the one redaction rule', () => {
  const open: Broadcaster[] = [];
  after(async () => {
    for (const b of open) await b.close();
  });

  it('/debug/vars (and so the dashboard) never shows a query value of an endpoint URL', () => {
    const b = new Broadcaster({ endpoints: [{ name: 'hook', url: `http://127.0.0.1:9/hook?token=${TOKEN}`, headers: {} }], deliver: false });
    open.push(b);
    const text = JSON.stringify(b.vars());
    assert.ok(!text.includes(TOKEN), text);
  });

  it('config check never prints a query value of a notify url it refuses', () => {
    const yaml = `stream:\n  enabled: false\nnotify:\n  queue: memory\n  endpoints:\n    - name: hook\n      url: ftp://127.0.0.1/hook?token=${TOKEN}\n`;
    const r = checkConfigText('m.yaml', yaml, {});
    assert.equal(r.ok, false);
    const text = r.ok ? '' : r.problems.map(formatProblem).join('\n');
    assert.match(text, /notify\.endpoints\[0\]/);
    assert.ok(!text.includes(TOKEN), text);
  });

  it('config check never prints the password of a NATS URL that does not parse (monitor.nats)', () => {
    // port out of range: new URL() throws, and core/nats-url.ts quotes the raw text
    const yaml = 'stream:\n  enabled: false\nmonitor:\n  nats: nats://user:S3cretPw@127.0.0.1:99999\n';
    const r = checkConfigText('m.yaml', yaml, {});
    assert.equal(r.ok, false);
    const text = r.ok ? '' : r.problems.map(formatProblem).join('\n');
    assert.match(text, /monitor\.nats/);
    assert.ok(!text.includes('S3cretPw'), text);
  });
});

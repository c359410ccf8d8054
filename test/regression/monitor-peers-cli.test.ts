/**
 * Review of `meterkit peers` (#11 item 7): secrets in --url are printed, and what peers send
 * reaches the operator's terminal unescaped. These tests fail on the code as reviewed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpServer } from '../../src/http/server.js';
import { Monitor } from '../../src/monitor/monitor.js';
import { MONITOR_HTTP_BASE, createMonitorApi } from '../../src/monitor/http.js';
import { capture } from '../helpers/cli.js';

const SECRET = 'hunter2-do-not-print';

describe('meterkit peers: secrets', () => {
  it('never prints a password given in --url', async () => {
    for (const url of [`http://admin:${SECRET}@127.0.0.1:1`, `ftp://admin:${SECRET}@127.0.0.1:1`]) {
      const { code, out, err } = await capture(['peers', '--url', url]);
      assert.notEqual(code, 0);
      assert.ok(!`${out}${err}`.includes(SECRET), `the password was printed: ${err}`);
    }
  });
});

describe('meterkit peers: what peers send is shown, not executed by the terminal', () => {
  const monitor = new Monitor({ onError: () => undefined });
  const server = new HttpServer({ port: 0 });
  before(async () => {
    server.routeTree(MONITOR_HTTP_BASE, createMonitorApi(monitor));
    await server.listen();
    // any peer may POST: a string value with a newline and terminal escapes passes validation
    const res = await fetch(`${server.url()}/monitor/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ name: 'note', peer: 'evil', value: 'x\n\u001b[2J\u001b[31mweb-1  ping  -  1ms  up  -\r', ttl: 60_000 }]),
    });
    assert.equal(res.status, 200);
  });
  after(async () => {
    await monitor.close();
    await server.close();
  });

  it('the table holds one line per row and no control characters from the network', async () => {
    const { code, out } = await capture(['peers', '--url', server.url()]);
    assert.equal(code, 0);
    const lines = out.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 2, `a header and one row expected, got:\n${JSON.stringify(out)}`);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(out.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f]/, 'control characters from a peer reach the terminal');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl, redactedHref } from '../../src/core/redact.js';

describe('redactUrl: the one rule for URLs that are shown', () => {
  it('hides the password and every query value, keeps names, path and host', () => {
    assert.equal(redactUrl('https://u:p@x.example/a/b?api_key=s3cr3t&tenant=t1&flag', '***'), 'https://u:***@x.example/a/b?api_key=***&tenant=***&flag');
    assert.equal(redactedHref(new URL('http://127.0.0.1:9/w?token=abc#k=v')), 'http://127.0.0.1:9/w?token=(hidden)#k=(hidden)');
    assert.equal(redactUrl('http://x/a=b/c'), 'http://x/a=b/c', 'a path is not a query');
    assert.equal(redactUrl('http://x/'), 'http://x/');
  });

  it('hides credentials in text that does not parse (up to the last @ before ? or #)', () => {
    assert.equal(redactUrl('http://u:p@ss@[bad/?q=1'), 'http://u:(hidden)@[bad/?q=(hidden)');
    assert.equal(redactUrl('not a url'), 'not a url');
  });
});

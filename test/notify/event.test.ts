import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeterkitError } from '../../src/index.js';
import {
  CLOUDEVENTS_BATCH_MEDIA_TYPE,
  EVENTS_MEDIA_TYPE,
  EVENT_MAX_BYTES,
  cloudEventsBody,
  envelopeBody,
  eventsFromBody,
  isRfc3339,
  normalizeEvent,
} from '../../src/notify/index.js';

const SRC = { instance: 'node-1', addr: '127.0.0.1:9464' };
const base = { action: 'peer.down', target: { type: 'peer', id: 'QmPeer' } };

function rejects(input: unknown, pattern: RegExp): void {
  assert.throws(
    () => normalizeEvent(input, SRC, 3),
    (err: unknown) => err instanceof MeterkitError && err.code === 'ERR_METERKIT_INVALID_EVENT' && pattern.test(err.message) && /\(event 3\)/.test(err.message),
  );
}

describe('notify events', () => {
  it('assigns a unique id, a timestamp and the source when missing; keeps an id given', () => {
    const a = normalizeEvent(base, SRC, undefined, () => Date.UTC(2026, 0, 2, 3, 4, 5));
    const b = normalizeEvent(base, SRC);
    assert.match(a.id, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.id, b.id);
    assert.equal(a.timestamp, '2026-01-02T03:04:05.000Z');
    assert.deepEqual(a.source, SRC);
    assert.deepEqual(a.target, { type: 'peer', id: 'QmPeer' });
    const own = normalizeEvent({ ...base, id: 'evt-42', timestamp: '2026-11-22T05:00:00+01:00', source: { instance: 'app', addr: 'h:1' }, data: { n: 1 } }, SRC);
    assert.equal(own.id, 'evt-42');
    assert.equal(own.timestamp, '2026-11-22T05:00:00+01:00');
    assert.deepEqual(own.source, { instance: 'app', addr: 'h:1' });
    assert.deepEqual(own.data, { n: 1 });
    assert.equal(normalizeEvent({ ...base, timestamp: new Date(0) }, SRC).timestamp, '1970-01-01T00:00:00.000Z');
  });

  it('refuses bad input naming the field, the value and the rule', () => {
    rejects(null, /event null: it must be an object/);
    rejects({ target: base.target }, /action undefined: it must be a string/);
    rejects({ ...base, action: 'has space' }, /action "has space": it must start with a letter or digit/);
    rejects({ ...base, target: 'x' }, /target "x": it must be an object/);
    rejects({ ...base, target: { type: 'peer' } }, /target\.id undefined/);
    rejects({ ...base, id: '' }, /id "": it must be a string of 1 to 256/);
    for (const id of ['a\nb', 'a b', '日本', 'x'.repeat(257)]) rejects({ ...base, id }, /it must be a string of 1 to 256 visible ASCII characters .*webhook-id header/);
    rejects({ ...base, timestamp: '2026-02-30T00:00:00Z' }, /timestamp "2026-02-30T00:00:00Z": it must be an RFC 3339/);
    rejects({ ...base, timestamp: 1700000000 }, /timestamp 1700000000/);
    rejects({ ...base, timestamp: new Date(NaN) }, /timestamp "Invalid Date"/);
    rejects({ ...base, source: { instance: 'x' } }, /source\.addr undefined/);
    rejects({ ...base, data: 'x'.repeat(EVENT_MAX_BYTES) }, /at most 65536 bytes of JSON \(UTF-8\)/);
    rejects({ ...base, data: { big: 10n } }, /data cannot be written as JSON/);
  });

  it('reads a body of events: an array or an envelope, nothing else', () => {
    assert.deepEqual(eventsFromBody([base]), [base]);
    assert.deepEqual(eventsFromBody({ events: [base] }), [base]);
    for (const bad of [null, 'x', { events: 'x' }, { event: [] }]) {
      assert.throws(() => eventsFromBody(bad), (err: unknown) => err instanceof MeterkitError && err.code === 'ERR_METERKIT_INVALID_EVENT' && /array of events or an envelope/.test(err.message));
    }
  });

  it('knows RFC 3339 from its look-alikes', () => {
    for (const ok of ['2026-11-22T04:00:00Z', '2026-11-22t04:00:00.123456z', '2024-02-29T23:59:59-05:30']) assert.equal(isRfc3339(ok), true, ok);
    for (const bad of ['2026-11-22', '2026-11-22 04:00:00Z', '2026-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2026-11-22T24:00:00Z', '2026-11-22T04:00:00']) assert.equal(isRfc3339(bad), false, bad);
  });

  it('writes the envelope and a CloudEvents 1.0 structured batch', () => {
    const e = normalizeEvent({ ...base, id: 'e1', timestamp: '2026-11-22T04:00:00Z', data: { why: 'ttl' } }, { instance: 'node 1', addr: 'a:1' });
    const json = [JSON.stringify(e)];
    assert.deepEqual(JSON.parse(envelopeBody(json)), { events: [e] });
    assert.equal(EVENTS_MEDIA_TYPE, 'application/vnd.meterkit.events.v1+json');
    assert.equal(CLOUDEVENTS_BATCH_MEDIA_TYPE, 'application/cloudevents-batch+json');
    const [ce] = JSON.parse(cloudEventsBody(json)) as Array<Record<string, unknown>>;
    assert.deepEqual(ce, {
      specversion: '1.0',
      id: 'e1',
      source: '/meterkit/node%201',
      type: 'io.meterkit.peer.down',
      time: '2026-11-22T04:00:00Z',
      subject: 'peer/QmPeer',
      datacontenttype: 'application/json',
      data: { target: { type: 'peer', id: 'QmPeer' }, source: { instance: 'node 1', addr: 'a:1' }, data: { why: 'ttl' } },
    });
  });
});

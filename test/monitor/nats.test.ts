import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { EventEmitter } from 'node:events';
import { connect } from '@nats-io/transport-node';
import { checkSubject, connectNatsPublisher, parseNatsServers, startNatsIngest } from '../../src/monitor/nats.js';
import type { NatsStatus } from '../../src/monitor/nats.js';
import { DEFAULT_NATS_SUBJECT } from '../../src/monitor/types.js';
import type { MetricInput } from '../../src/monitor/types.js';
import { startNatsServer } from '../helpers/nats.js';
import type { NatsServer } from '../helpers/nats.js';
import { freePort, needs } from '../helpers/tools.js';

/** A deadline, not a sleep: fails the test with `what` instead of hanging it. */
async function within<T>(p: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when `x` reaches `want` (at once if it is there). */
function until(x: EventEmitter & { readonly status: NatsStatus }, want: NatsStatus, what: string): Promise<void> {
  if (x.status === want) return Promise.resolve();
  return within(
    new Promise<void>((resolve) => {
      const on = (s: NatsStatus): void => {
        if (s !== want) return;
        x.off('status', on);
        resolve();
      };
      x.on('status', on);
    }),
    `${what} to be ${want}`,
  );
}

/** What an ingest hands over, with a way to await the n-th batch. */
class Inbox {
  readonly batches: unknown[] = [];
  readonly errors: Error[] = [];
  #waiters: Array<{ n: number; resolve: () => void }> = [];
  readonly onBatch = (b: unknown): void => {
    this.batches.push(b);
    this.#waiters = this.#waiters.filter((w) => (this.batches.length >= w.n ? (w.resolve(), false) : true));
  };
  readonly onError = (err: Error): void => {
    this.errors.push(err);
  };
  count(n: number): Promise<void> {
    if (this.batches.length >= n) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.#waiters.push({ n, resolve })), `${n} batches (have ${this.batches.length})`);
  }
}

const ping = (peer: string, value: number): MetricInput[] => [{ name: 'ping', peer, value, ttl: 10_000 }];

describe('NATS transport: options', () => {
  it('accepts nats://host:port lists and normalizes the default port', () => {
    assert.deepEqual(parseNatsServers('nats://127.0.0.1:4222'), ['nats://127.0.0.1:4222']);
    assert.deepEqual(parseNatsServers('nats://a, nats://[::1]:5000'), ['nats://a:4222', 'nats://[::1]:5000']);
  });

  it('refuses other URLs naming the bad one, and never echoes a password', () => {
    for (const bad of ['', 'http://h:1', 'nats://h:99999', 'nats://h:0', 'nats://h:1/x', 'nats://h:1?a=b', 'nats:/h', '127.0.0.1:4222', 'nats://ok:1,tcp://h:2']) {
      assert.throws(() => parseNatsServers(bad), (err: Error & { code?: string }) => err.code === 'ERR_METERKIT_INVALID_ARGUMENT' && /NATS/.test(err.message), bad);
    }
    assert.throws(
      () => parseNatsServers('nats://user:s3cret@h:1'),
      (err: Error & { code?: string }) => err.code === 'ERR_METERKIT_INVALID_ARGUMENT' && err.message.includes('***@h:1') && !err.message.includes('s3cret'),
    );
  });

  it('checks subjects: wildcards only for the ingest, whole tokens, > last', () => {
    assert.equal(checkSubject(DEFAULT_NATS_SUBJECT, false), DEFAULT_NATS_SUBJECT);
    assert.equal(checkSubject('meterkit.*.metrics', true), 'meterkit.*.metrics');
    assert.equal(checkSubject('meterkit.>', true), 'meterkit.>');
    for (const [s, wild] of [['a.*', false], ['a..b', true], ['a b', true], ['a.b*', true], ['>.a', true], ['', true], ['x'.repeat(257), true], [3, true]] as const) {
      assert.throws(() => checkSubject(s, wild), { code: 'ERR_METERKIT_INVALID_ARGUMENT' }, String(s));
    }
  });

  it('refuses bad options before connecting', async () => {
    await assert.rejects(connectNatsPublisher({ servers: 'nats://127.0.0.1:1', subject: 'a.>' }), { code: 'ERR_METERKIT_INVALID_ARGUMENT' });
    await assert.rejects(connectNatsPublisher({ servers: 'nats://127.0.0.1:1', reconnectWait: 0 }), /reconnectWait/);
    await assert.rejects(startNatsIngest({ servers: 'nats://127.0.0.1:1' } as never), /onBatch/);
    await assert.rejects(startNatsIngest({ servers: 'nats://127.0.0.1:1', onBatch: () => {}, onError: 'x' as never }), /onError/);
    await assert.rejects(connectNatsPublisher({ servers: 'nats://127.0.0.1:1', name: 7 as never }), /NATS name 7/);
    await assert.rejects(connectNatsPublisher(null as never), /NATS publisher options null/);
  });

  it('fails fast, naming the URL, when the first connection fails', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const err = (await within(connectNatsPublisher({ servers: url }).then(
      () => assert.fail('connected to nothing'),
      (e: unknown) => e,
    ), 'the first connect to fail')) as Error & { code?: string };
    assert.equal(err.code, 'ERR_METERKIT_NATS');
    assert.ok(err.message.includes(url), err.message);
    await assert.rejects(within(startNatsIngest({ servers: url, onBatch: () => {} }), 'ingest connect to fail'), { code: 'ERR_METERKIT_NATS' });
  });
});

describe('NATS transport against nats-server', needs('nats-server'), () => {
  let server: NatsServer;
  before(async () => {
    server = await startNatsServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('delivers published batches to onBatch in order', async () => {
    const inbox = new Inbox();
    const ingest = await startNatsIngest({ servers: server.url, onBatch: inbox.onBatch, onError: inbox.onError });
    const pub = await connectNatsPublisher({ servers: server.url, onError: inbox.onError });
    try {
      assert.equal(ingest.status, 'connected');
      for (let i = 0; i < 200; i++) assert.equal(pub.publish(ping('a', i)), true);
      await inbox.count(200);
      assert.deepEqual(inbox.batches, Array.from({ length: 200 }, (_, i) => ping('a', i)));
      assert.equal(ingest.received, 200);
      assert.equal(ingest.rejected, 0);
      assert.equal(pub.published, 200);
      assert.deepEqual(inbox.errors, []);
      assert.throws(() => pub.publish('nope' as never), { code: 'ERR_METERKIT_INVALID_ARGUMENT' });
      assert.throws(() => pub.publish([{ name: 'ping', peer: 'a', value: 1n as never }]), /cannot be written as JSON/);
      // nats-server's max_payload is 1 MiB: a bigger batch is the caller's to split
      const huge = [{ name: 'big', peer: 'a', value: 'x'.repeat(1_100_000), ttl: 1 }];
      assert.throws(() => pub.publish(huge), (err: Error & { code?: string }) => err.code === 'ERR_METERKIT_NATS' && /1 metrics \(1100\d+ bytes\).*max_payload/.test(err.message));
      assert.equal(pub.published, 200);
    } finally {
      await pub.close();
      await ingest.close();
    }
    assert.equal(pub.status, 'closed');
    assert.equal(ingest.status, 'closed');
    assert.throws(() => pub.publish(ping('a', 0)), { code: 'ERR_METERKIT_NATS' });
    await pub.close(); // twice is fine
  });

  it('counts and reports undecodable messages and batches onBatch refuses, and goes on', async () => {
    const inbox = new Inbox();
    const subject = 'meterkit.test.rejects';
    const ingest = await startNatsIngest({
      servers: server.url,
      subject,
      onBatch: (b) => {
        if (Array.isArray(b) && b[0] === 'bad') throw new Error('element 0 is "bad"');
        inbox.onBatch(b);
      },
      onError: inbox.onError,
    });
    const raw = await connect({ servers: server.url });
    try {
      raw.publish(subject, 'not json{');
      raw.publish(subject, new Uint8Array([0x5b, 0xff, 0xfe, 0x5d])); // [ then invalid UTF-8
      raw.publish(subject, '["bad"]');
      raw.publish(subject, '[1]');
      await inbox.count(1);
      assert.deepEqual(inbox.batches, [[1]]);
      assert.equal(ingest.received, 4);
      assert.equal(ingest.rejected, 3);
      assert.equal(inbox.errors.length, 3);
      assert.ok(inbox.errors.every((e) => (e as Error & { code?: string }).code === 'ERR_METERKIT_NATS'));
      assert.match(inbox.errors[0]?.message ?? '', /undecodable message on meterkit\.test\.rejects \(9 bytes/);
      assert.match(inbox.errors[1]?.message ?? '', /undecodable/);
      assert.match(inbox.errors[2]?.message ?? '', /rejected: element 0 is "bad"/);
    } finally {
      await raw.close();
      await ingest.close();
    }
  });

  it('without onError, warns once and then only counts', async () => {
    const inbox = new Inbox();
    const subject = 'meterkit.test.quiet';
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      if ((w as Error & { code?: string }).code === 'ERR_METERKIT_NATS') warnings.push(w);
    };
    process.on('warning', onWarning);
    const ingest = await startNatsIngest({ servers: server.url, subject, onBatch: inbox.onBatch });
    const raw = await connect({ servers: server.url });
    try {
      for (let i = 0; i < 5; i++) raw.publish(subject, 'garbage');
      raw.publish(subject, '[]');
      await inbox.count(1);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      assert.equal(ingest.rejected, 5);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]?.message ?? '', /further rejections are only counted/);
    } finally {
      process.off('warning', onWarning);
      await raw.close();
      await ingest.close();
    }
  });

  it('rejoins a restarted server on the same port: publishing resumes and the ingest receives again', async () => {
    const own = await startNatsServer();
    const inbox = new Inbox();
    const ingest = await startNatsIngest({ servers: own.url, onBatch: inbox.onBatch, onError: inbox.onError, reconnectWait: 100 });
    const pub = await connectNatsPublisher({ servers: own.url, onError: inbox.onError, reconnectWait: 100 });
    try {
      pub.publish(ping('b', 1));
      await inbox.count(1);

      await own.stop();
      await until(pub, 'reconnecting', 'the publisher');
      await until(ingest, 'reconnecting', 'the ingest');
      assert.equal(pub.publish(ping('b', 2)), false, 'a batch published while the server is down is dropped');
      assert.equal(pub.dropped, 1);
      assert.ok(inbox.errors.some((e) => /lost the connection to NATS at nats:\/\/127\.0\.0\.1:\d+; reconnecting every 100 ms/.test(e.message)), String(inbox.errors));

      await own.restart();
      await until(pub, 'connected', 'the publisher');
      await until(ingest, 'connected', 'the ingest'); // its subscription is renewed and confirmed
      assert.equal(pub.publish(ping('b', 3)), true);
      await inbox.count(2);
      assert.deepEqual(inbox.batches, [ping('b', 1), ping('b', 3)]);
      assert.equal(ingest.received, 2);
      // one report per outage and end, however many redials failed meanwhile
      assert.equal(inbox.errors.filter((e) => /lost the connection/.test(e.message)).length, 2, String(inbox.errors));
      assert.equal(inbox.errors.length, 2, String(inbox.errors));
    } finally {
      await pub.close();
      await ingest.close();
      await own.stop();
    }
  });

  it('close() while reconnecting returns at once instead of waiting for the server', async () => {
    const own = await startNatsServer();
    const errors: Error[] = [];
    const pub = await connectNatsPublisher({ servers: own.url, onError: (e) => errors.push(e), reconnectWait: 100 });
    const ingest = await startNatsIngest({ servers: own.url, onBatch: () => {}, onError: (e) => errors.push(e), reconnectWait: 100 });
    await own.stop();
    await until(pub, 'reconnecting', 'the publisher');
    await until(ingest, 'reconnecting', 'the ingest');
    await within(pub.close(), 'the publisher to close');
    await within(ingest.close(), 'the ingest to close');
    assert.equal(pub.status, 'closed');
    assert.equal(ingest.status, 'closed');
  });

  it('close() leaves no handles: a process that used both ends exits by itself', async () => {
    const nats = new URL('../../src/monitor/nats.js', import.meta.url).href;
    const script = `
      import { connectNatsPublisher, startNatsIngest } from ${JSON.stringify(nats)};
      const url = process.argv[1];
      let got;
      const received = new Promise((r) => (got = r));
      const ingest = await startNatsIngest({ servers: url, onBatch: (b) => got(b) });
      const pub = await connectNatsPublisher({ servers: url });
      pub.publish([{ name: 'ping', peer: 'child', value: 1, ttl: 1000 }]);
      const batch = await received;
      await pub.close();
      await ingest.close();
      // no process.exit(): the process must end because nothing is left open
      console.log(JSON.stringify({ batch }));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const [code] = (await within(once(child, 'exit'), `the child to exit by itself; it printed: ${out}`)) as [number | null];
      assert.equal(code, 0, out);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const report = JSON.parse(out.trim().split('\n').pop() ?? '') as { batch: unknown };
    assert.deepEqual(report.batch, [{ name: 'ping', peer: 'child', value: 1, ttl: 1000 }]);
  });
});

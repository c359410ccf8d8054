import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAgentArgs } from '../../src/cli/main.js';
import { defaultStateDir, parseNotifySpec, redactNotifyArgv, secretEnvName } from '../../src/cli/notify.js';
import { SqliteQueue } from '../../src/notify/index.js';
import { capture } from '../helpers/cli.js';
import { tempDir } from '../helpers/tools.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('--notify flags', () => {
  const tmp = tempDir('notify-flags');
  after(() => tmp.remove());

  it('a full spec', () => {
    const c = parseNotifySpec(`https://h.example/hook?x=1,name=ops,secret=${SECRET},timeout=2s,threshold=4,backoff=500ms,max-backoff=1m,max-attempts=7,format=cloudevents,ignore=a|b.c,batch=50,batch-wait=20ms,batch-bytes=131072,header=X-Team:ops,header=Authorization:Bearer t`, {});
    assert.deepEqual(c, {
      name: 'ops',
      url: 'https://h.example/hook?x=1',
      headers: { 'X-Team': 'ops', Authorization: 'Bearer t' },
      timeout: 2000,
      threshold: 4,
      backoff: 500,
      maxBackoff: 60_000,
      maxAttempts: 7,
      format: 'cloudevents',
      ignore: { actions: ['a', 'b.c'] },
      maxEvents: 50,
      maxWait: 20,
      maxBatchBytes: 131_072,
      secret: SECRET,
      ca: undefined,
    });
  });

  it('defaults: the name from the URL, the secret from the environment or a file, sqlite in the XDG state dir', () => {
    const c = parseAgentArgs(['--notify', 'http://127.0.0.1:8088/h'], { METERKIT_NOTIFY_SECRET_127_0_0_1_8088: SECRET, XDG_STATE_HOME: '/var/state' });
    assert.ok(c !== 'help' && c.notify !== undefined);
    assert.equal(c.notify.endpoints[0]?.name, '127.0.0.1-8088');
    assert.equal(c.notify.endpoints[0]?.secret, SECRET);
    assert.equal(c.notify.queue, 'sqlite');
    assert.equal(c.notify.stateDir, '/var/state/meterkit');
    assert.equal(secretEnvName('a.b-c'), 'METERKIT_NOTIFY_SECRET_A_B_C');
    assert.match(defaultStateDir({ XDG_STATE_HOME: 'relative' }), /\/\.local\/state\/meterkit$/);
    const file = join(tmp.dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    assert.equal(parseNotifySpec(`http://x/,secret-file=${file}`, {}).secret, SECRET);
    const m = parseAgentArgs(['--notify', 'http://a/', '--notify', 'http://b/', '--notify-queue', 'memory', '--state-dir', tmp.dir], {});
    assert.ok(m !== 'help' && m.notify !== undefined);
    assert.deepEqual(m.notify.endpoints.map((e) => e.name), ['a-80', 'b-80']);
    assert.equal(m.notify.queue, 'memory');
    assert.equal(m.notify.stateDir, tmp.dir);
    assert.equal(m.notify.role, 'both');
    const w = parseAgentArgs(['--notify', 'http://a/', '--notify-queue', 'nats://127.0.0.1', '--notify-worker'], {});
    assert.ok(w !== 'help' && w.notify !== undefined);
    assert.deepEqual([w.notify.queue, w.notify.nats, w.notify.role], ['nats', 'nats://127.0.0.1:4222', 'worker']);
    const p = parseAgentArgs(['--notify', 'http://a/', '--notify-queue', 'nats://h1:1,nats://h2:2'], {});
    assert.ok(p !== 'help' && p.notify !== undefined);
    assert.deepEqual([p.notify.nats, p.notify.role], ['nats://h1:1,nats://h2:2', 'producer']);
  });

  for (const [args, message] of [
    [['--notify', 'not a url'], /--notify "not a url": not an absolute/],
    [['--notify', 'ftp://x/'], /http: or https:/],
    [['--notify', 'http://x/,bogus=1'], /unknown option "bogus"/],
    [['--notify', 'http://x/,timeout'], /option "timeout" needs a value/],
    [['--notify', 'http://x/,timeout=soon'], /--notify x-80 timeout/],
    [['--notify', 'http://x/,batch=0'], /--notify x-80 batch/],
    [['--notify', 'http://x/,format=xml'], /format "xml": use meterkit or cloudevents/],
    [['--notify', 'http://x/,header=NoColon'], /must be Name:Value/],
    [['--notify', 'http://x/,name=a,name=b'], /"name" is given twice/],
    [['--notify', 'http://x/', '--notify', 'http://x/'], /two endpoints are named "x-80"/],
    [['--notify', 'http://x/,secret=whsec_short'], /invalid webhook secret/],
    [['--notify', 'http://x/,ca=/nonexistent/ca.pem'], /cannot read --notify x-80 ca/],
    [['--notify-queue', 'memory'], /--notify-queue needs at least one --notify/],
    [['--notify', 'http://x/', '--notify-queue', 'redis'], /unknown --notify-queue "redis"/],
    [['--notify', 'http://x/', '--state-dir', ''], /--state-dir "" is empty/],
    [['--notify', 'http://x/', '--notify-queue', 'nats://u:p@h:4222'], /invalid NATS URL/],
    [['--notify', 'http://x/', '--notify-worker'], /--notify-worker needs --notify-queue nats:/],
    [['--notify-worker'], /--notify-worker needs at least one --notify/],
  ] as const) {
    it(`exit 2: ${args.join(' ')}`, async () => {
      const r = await capture(['agent', ...args]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, message);
    });
  }

  it('a secret is never in a usage error or the published command line', async () => {
    const r = await capture(['agent', '--notify', 'http://x/,secret=whsec_!!notbase64!!']);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.err, /notbase64/);
    assert.deepEqual(redactNotifyArgv(['agent', '--notify', `http://u:pw@h/,secret=${SECRET},header=Authorization:Bearer x,name=n`, `--notify=http://h/,secret=${SECRET}`]), [
      'agent',
      '--notify',
      'http://u:[REDACTED]@h/,secret=[REDACTED],header=Authorization:[REDACTED],name=n',
      '--notify=http://h/,secret=[REDACTED]',
    ]);
  });

  it('help: the agent lists the notification flags; notify and webhook-listen have their own', async () => {
    assert.match((await capture(['agent', '--help'])).out, /--notify <spec>[\s\S]*--notify-queue[\s\S]*--state-dir/);
    assert.match((await capture(['help', 'notify'])).out, /meterkit notify dead-letters/);
    assert.match((await capture(['notify', '--help'])).out, /--replay/);
    assert.match((await capture(['help', 'webhook-listen'])).out, /Standard Webhooks/);
    assert.match((await capture(['webhook-listen', '--help'])).out, /--secret/);
    assert.match((await capture(['--help'])).out, /webhook-listen/);
  });

  it('webhook-listen usage errors', async () => {
    assert.match((await capture(['webhook-listen'])).err, /give --secret/);
    assert.equal((await capture(['webhook-listen', '--secret', 'whsec_x'])).code, 2);
    assert.equal((await capture(['webhook-listen', '--secret', SECRET, '--insecure'])).code, 2);
    assert.equal((await capture(['webhook-listen', 'nohost', '--insecure'])).code, 2);
    assert.equal((await capture(['webhook-listen', 'a:1', 'b:2', '--insecure'])).code, 2);
  });

  it('notify dead-letters lists and replays from a state dir', async () => {
    const dir = join(tmp.dir, 'dl');
    const q = await SqliteQueue.open({ stateDir: dir });
    const ev = { id: 'd1', timestamp: '2026-11-22T00:00:00Z', action: 'x.y', target: { type: 't', id: 'i' }, source: { instance: 'a', addr: 'b' } };
    await q.append([{ endpoint: 'hook', events: [ev] }]);
    const taken = await q.take('hook', 10);
    await q.deadLetter('hook', taken, { kind: 'status', status: 400, message: '400 Bad Request', attempts: 1 });
    // while it is open (an agent running on it), the command says where to go
    const busy = await capture(['notify', 'dead-letters', '--state-dir', dir]);
    assert.equal(busy.code, 1);
    assert.match(busy.err, /use its API: GET \/notify\/v1\/dead-letters/);
    await q.close();
    const list = await capture(['notify', 'dead-letters', '--state-dir', dir]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /hook {2}d1 {2}x\.y {2}t\/i {2}status 400 after 1 attempt\(s\): 400 Bad Request/);
    const json = await capture(['notify', 'dead-letters', '--state-dir', dir, '--json', '--endpoint', 'hook']);
    assert.equal((JSON.parse(json.out) as { event: { id: string } }).event.id, 'd1');
    const replay = await capture(['notify', 'dead-letters', '--state-dir', dir, '--replay']);
    assert.match(replay.out, /requeued 1 dead letter/);
    assert.match((await capture(['notify', 'dead-letters', '--state-dir', dir])).out, /no dead letters/);
    assert.equal((await capture(['notify', 'nothing'])).code, 2);
    assert.equal((await capture(['notify', 'dead-letters', '--limit', 'x', '--state-dir', dir])).code, 2);
  });
});

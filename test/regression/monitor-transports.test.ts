/**
 * Review of the monitor's transports (#11 item 6) against bad network input. These tests fail on
 * the code as reviewed.
 * - HTTP decodes a body lossily (bad UTF-8 becomes U+FFFD and is stored) where NATS refuses it:
 *   one wire format, two rules.
 * - The agent logs every rejected NATS message (a peer sending garbage floods stderr), and no
 *   metric counts them (HTTP has meterkit_monitor_http_rejected_batches_total).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from '../../src/core/registry.js';
import { HttpServer } from '../../src/http/server.js';
import { Monitor } from '../../src/monitor/monitor.js';
import { MONITOR_HTTP_BASE, createMonitorApi } from '../../src/monitor/http.js';
import { DEFAULT_NATS_SUBJECT } from '../../src/monitor/types.js';
import { startMonitorParts } from '../../src/cli/monitor-agent.js';
import type { MonitorParts } from '../../src/cli/monitor-agent.js';
import { render } from '../../src/prometheus/render.js';
import { startNatsServer } from '../helpers/nats.js';
import type { NatsServer } from '../helpers/nats.js';
import { needs, waitFor } from '../helpers/tools.js';

describe('monitor HTTP ingest: bytes that are not UTF-8', () => {
  const monitor = new Monitor({ onError: () => undefined });
  const server = new HttpServer({ port: 0 });
  before(async () => {
    server.routeTree(MONITOR_HTTP_BASE, createMonitorApi(monitor));
    await server.listen();
  });
  after(async () => {
    await monitor.close();
    await server.close();
  });

  it('are refused with 400, as the NATS ingest refuses them, not stored mangled', async () => {
    // "café" in Latin-1: 0xE9 alone is not UTF-8
    const body = Buffer.from('[{"name":"ping","peer":"caf\xe9","ttl":60000}]', 'latin1');
    const res = await fetch(`${server.url()}/monitor/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const text = await res.text();
    assert.equal(res.status, 400, `accepted: ${text}; stored peers: ${JSON.stringify(monitor.status().map((s) => s.peer))}`);
  });
});

describe('agent monitor over NATS: a peer sending garbage', needs('nats-server'), () => {
  let nats: NatsServer;
  let parts: MonitorParts;
  let nc: NatsConnection;
  const registry = new Registry();
  const lines: string[] = [];
  const server = new HttpServer({ port: 0 });
  const GARBAGE = 50;

  before(async () => {
    nats = await startNatsServer();
    parts = await startMonitorParts({ detector: { kind: 'ttl' }, nats: nats.url }, undefined, { server, recorder: registry, auth: undefined, log: (l) => lines.push(l) });
    nc = await connect({ servers: nats.url });
    for (let i = 0; i < GARBAGE; i++) nc.publish(DEFAULT_NATS_SUBJECT, `not json ${i}`);
    nc.publish(DEFAULT_NATS_SUBJECT, JSON.stringify([{ name: 'ping', peer: 'marker', ttl: 60_000 }]));
    await nc.flush();
    // one connection delivers in order: once the marker is logged, every garbage message was handled
    const monitor = parts.monitor as Monitor;
    await waitFor(async () => monitor.latest('ping', 'marker'), 10_000, 'the marker batch');
  });
  after(async () => {
    await nc?.close();
    await parts?.close();
    await nats?.stop();
  });

  it('does not write one log line per bad message', () => {
    const bad = lines.filter((l) => /undecodable|rejected/.test(l));
    assert.ok(bad.length <= 1, `${bad.length} log lines for ${GARBAGE} bad messages, e.g. ${bad[0]}`);
  });

  it('counts them in a metric, as HTTP counts refused batches', async () => {
    await registry.collect();
    const text = render(registry);
    const m = /^meterkit_monitor_nats\w*(?:rejected|invalid)\w*(?:\{[^}]*\})? (\d+)/m.exec(text);
    assert.ok(m !== null && Number(m[1]) >= GARBAGE, `no metric counts the ${GARBAGE} rejected NATS messages; monitor series:\n${text.split('\n').filter((l) => l.startsWith('meterkit_monitor')).join('\n')}`);
  });
});

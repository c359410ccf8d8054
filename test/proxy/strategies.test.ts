import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Proxy } from '../../src/proxy/index.js';
import type { ProxyServerOptions } from '../../src/proxy/index.js';
import type { TestBackend } from '../helpers/backends.js';
import { dial, readAll, startBackend, until } from '../helpers/backends.js';

describe('proxy strategies over real sockets', () => {
  const proxies: Proxy[] = [];
  const backends: TestBackend[] = [];
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(backends.map((b) => b.stop()));
  });
  async function setup(n: number, opts: Omit<ProxyServerOptions, 'name' | 'bind' | 'backends'>, extra: (i: number) => string = () => ''): Promise<{ port: number; bs: TestBackend[]; proxy: Proxy }> {
    const bs = await Promise.all(Array.from({ length: n }, (_, i) => startBackend(`b${i}`, 'id')));
    backends.push(...bs);
    const proxy = new Proxy();
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 's', bind: '127.0.0.1:0', backends: bs.map((b, i) => b.address + extra(i)), ...opts });
    return { port: server.boundAddress().port, bs, proxy };
  }
  const tally = async (port: number, n: number, from?: (i: number) => string): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const id = await readAll(port, from?.(i));
      out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  };

  it('roundrobin: 300 connections over 3 backends are 100 each', async () => {
    const { port } = await setup(3, { strategy: 'roundrobin' });
    assert.deepEqual([...(await tally(port, 300)).entries()].sort(), [['b0', 100], ['b1', 100], ['b2', 100]]);
  });

  it('weight: weights 1:3 split 400 connections 100:300', async () => {
    const { port } = await setup(2, { strategy: 'weight' }, (i) => `,weight=${i === 0 ? 1 : 3}`);
    assert.deepEqual([...(await tally(port, 400)).entries()].sort(), [['b0', 100], ['b1', 300]]);
  });

  it('priority: only the best (lowest) live priority group is used', async () => {
    const { port, proxy } = await setup(3, { strategy: 'roundrobin' }, (i) => `,priority=${i === 2 ? 2 : 1}`);
    assert.deepEqual([...(await tally(port, 10)).entries()].sort(), [['b0', 5], ['b1', 5]]);
    const s = proxy.server('s');
    for (const b of s?.backends() ?? []) if (b.priority === 1) b.live = false;
    assert.deepEqual([...(await tally(port, 4)).entries()], [['b2', 4]]);
  });

  it('leastconn: a new client goes to the backend with fewest open connections', async () => {
    const bs = await Promise.all([0, 1, 2].map((i) => startBackend(`h${i}`, 'hold')));
    backends.push(...bs);
    const proxy = new Proxy();
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 'lc', bind: '127.0.0.1:0', backends: bs.map((b) => b.address), strategy: 'leastconn' });
    const port = server.boundAddress().port;
    const open = [];
    for (let i = 0; i < 6; i++) open.push(await dial(port));
    // a client that sees its server end ends too (the proxy forwards half-closes as they are)
    for (const s of open) s.on('end', () => s.end());
    await Promise.all(bs.map((b) => waitAccepted(b, 2)));
    // end the sessions on h1: the next two clients must go there
    const onH1 = [...server.backends()].find((b) => b.port === bs[1]?.port);
    for (const s of [...(bs[1]?.sockets ?? [])]) s.destroy();
    await until(() => onH1?.active === 0, 'the proxy to see h1 closed');
    open.push(await dial(port), await dial(port));
    await waitAccepted(bs[1] as TestBackend, 4);
    assert.deepEqual(bs.map((b) => b.accepted), [2, 4, 2]);
    for (const s of open) s.destroy();
  });

  it('leastbandwidth: new clients avoid the backend moving bytes, even when it has the fewest connections', async () => {
    const bs = await Promise.all([0, 1, 2].map((i) => startBackend(`w${i}`, 'hold')));
    backends.push(...bs);
    // ticks by hand: rates move only when the test says so
    const proxy = new Proxy({ tick: 60_000 });
    proxies.push(proxy);
    const server = await proxy.addServer({ name: 'lb', bind: '127.0.0.1:0', backends: bs.map((b) => b.address), strategy: 'leastbandwidth' });
    const port = server.boundAddress().port;
    const open = [];
    const busy = await dial(port);
    open.push(busy);
    await until(() => bs.some((b) => b.accepted === 1), 'the first client to reach a backend');
    const hot = bs.find((b) => b.accepted === 1) as TestBackend;
    const cold = bs.filter((b) => b !== hot);
    busy.write(Buffer.alloc(1 << 20, 1));
    await hot.receivedAtLeast(1 << 20);
    proxy.tick();
    const rate = (b: TestBackend): number => (server.backends().find((x) => x.port === b.port)?.txRate.value ?? NaN);
    assert.ok(rate(hot) > 0, 'the busy backend has a tx rate after the tick');
    assert.deepEqual(cold.map(rate), [0, 0]);
    // 8 idle clients: the two quiet backends share them (ties broken by open connections), though the
    // busy one has fewer connections than either (leastconn would send it some)
    for (let i = 0; i < 8; i++) open.push(await dial(port));
    for (const s of open) s.on('end', () => s.end());
    await Promise.all(cold.map((b) => waitAccepted(b, 4)));
    assert.deepEqual(bs.map((b) => b.accepted), bs.map((b) => (b === hot ? 1 : 4)));
    for (const s of open) s.destroy();
  });

  it('iphash: each client address keeps its backend; iphash1 moves only the clients of a removed backend', async () => {
    const from = (i: number): string => `127.0.0.${2 + (i % 20)}`;
    for (const strategy of ['iphash', 'iphash1'] as const) {
      const { port, proxy } = await setup(4, { strategy });
      const first = new Map<string, string>();
      for (let i = 0; i < 20; i++) first.set(from(i), await readAll(port, from(i)));
      for (let i = 0; i < 40; i++) assert.equal(await readAll(port, from(i)), first.get(from(i)), `${strategy}: ${from(i)} moved`);
      assert.ok(new Set(first.values()).size >= 2, `${strategy} spreads 20 addresses over more than one backend`);
      if (strategy === 'iphash1') {
        const server = proxy.server('s');
        const gone = server?.backends()[0];
        assert.ok(gone !== undefined && server !== undefined);
        server.removeBackend(gone.key);
        for (let i = 0; i < 20; i++) {
          const now = await readAll(port, from(i));
          if (first.get(from(i)) !== 'b0') assert.equal(now, first.get(from(i)), `iphash1: ${from(i)} kept its backend`);
          else assert.notEqual(now, 'b0');
        }
      }
    }
  });
});

async function waitAccepted(b: TestBackend, n: number): Promise<void> {
  await until(() => b.accepted >= n, `backend ${b.id} to accept ${n} connections`);
}

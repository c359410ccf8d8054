/**
 * #14 review round 2: `dashboard.max_watched` (and `--dashboard-max-watched`) passed the check for
 * any value 1–1000, but the agent pins the overview's series at mount (src/cli/dashboard.ts
 * `history.pin(OVERVIEW_SERIES)`): below that count the agent did not start, with an error that
 * named neither the key nor the flag. Now the key and the flag have the pinned count + 1 as their
 * minimum (DASHBOARD_WATCHED_LIMIT, one rule), and a value the check passes starts the agent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAgent } from '../../src/cli/agent.js';
import { checkConfigText, formatProblem } from '../../src/cli/config/load.js';
import { fileToAgent } from '../../src/cli/config/to-agent.js';
import { DASHBOARD_WATCHED_LIMIT } from '../../src/cli/dashboard.js';
import { parseAgentArgs } from '../../src/cli/main.js';

const file = (n: number): string => `stream:\n  enabled: false\ndashboard:\n  max_watched: ${n}\n`;

describe('r14b dashboard.max_watched', () => {
  it('the check refuses max_watched: 5, naming the key and the minimum', () => {
    const r = checkConfigText('m.yaml', file(5), {});
    assert.equal(r.ok, false, 'the check accepts it');
    const text = r.ok ? '' : r.problems.map(formatProblem).join('\n');
    assert.match(text, /^m\.yaml:4:\d+: dashboard\.max_watched: /m);
    assert.ok(text.includes(String(DASHBOARD_WATCHED_LIMIT.min)), text);
  });

  it('--dashboard-max-watched 5 is refused, naming the flag', () => {
    assert.throws(() => parseAgentArgs(['--no-stream', '--dashboard-max-watched', '5'], {}), /--dashboard-max-watched/);
  });

  it('the smallest value the check passes starts the agent (process on)', async () => {
    const r = checkConfigText('m.yaml', file(DASHBOARD_WATCHED_LIMIT.min), {});
    assert.equal(r.ok, true, 'the check accepts it');
    const config = r.ok ? fileToAgent(r.config, {}) : {};
    let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
    try {
      agent = await startAgent({ ...config, listen: '127.0.0.1:0', log: () => {} });
    } catch (err) {
      assert.fail(`config check said ok, the agent refused: ${(err as Error).message}`);
    } finally {
      await agent?.close();
    }
  });
});

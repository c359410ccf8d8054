/** `meterkit/monitor` as a user imports it: the API and the contract's constants, no internals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// a variable, so tsc resolves nothing at build time: dist/ is what the package exports point at
const load = (spec: string): Promise<Record<string, unknown>> => import(spec) as Promise<Record<string, unknown>>;

describe('meterkit/monitor', () => {
  it('exports the Monitor, the metric rule, the detector helpers and the contract constants', async () => {
    const m = await load('meterkit/monitor');
    // the HTTP transport and the reporting side (h11-wire) are listed apart, to keep merges simple
    const wire = [
      'CPU_METRIC',
      'DEFAULT_MONITOR_BODY_LIMIT',
      'DEFAULT_REPORT_INTERVAL',
      'DEFAULT_REPORT_TTL',
      'EVENT_LOOP_LAG_METRIC',
      'MONITOR_HTTP_BASE',
      'MONITOR_HTTP_REJECTED_METRIC',
      'PING_METRIC',
      'RSS_METRIC',
      'Reporter',
      'cpuInformer',
      'createMonitorApi',
      'defaultInformers',
      'eventLoopLagInformer',
      'httpSender',
      'monitorIngestUrl',
      'reportTiming',
      'rssInformer',
    ];
    assert.deepEqual(Object.keys(m).filter((k) => !wire.includes(k)).sort(), [
      'DEFAULT_NATS_SUBJECT',
      'INVALID_METRIC_FIELDS',
      'InvalidMetricError',
      'MAX_METRIC_NAME_LENGTH',
      'MAX_PEER_ID_LENGTH',
      'MAX_STRING_VALUE_LENGTH',
      'METRIC_NAME_RULE',
      'MONITOR_DEFAULTS',
      'MONITOR_HTTP',
      'MONITOR_METRICS',
      'Monitor',
      'PHI_DEFAULTS',
      'checkMetric',
      'checkMetricName',
      'checkPeerId',
      'checkSubject',
      'connectNatsPublisher',
      'parseNatsServers',
      'phi',
      'startNatsIngest',
    ]);
    for (const k of wire) assert.ok(k in m, k);
    for (const internal of ['Window', 'Columns', 'AlertQueue', 'MonitorMetrics', 'judge', 'deadlineOf', 'NatsLink', 'NatsEndpoint']) assert.equal(internal in m, false, internal);
    const { Monitor } = m as { Monitor: new () => { close(): Promise<void> } };
    await new Monitor().close();
  });
});

/**
 * Issue #9 §4: a subpath export is the API, not the internals. `meterkit/tcp` exported the
 * encoder's tags and varint helpers, and `meterkit/http` re-exported `parseHostPort` (a core
 * helper). Imported by the package's own name, as a user imports them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// a variable, so tsc resolves nothing at build time: dist/ is what the package exports point at
const load = (spec: string): Promise<Record<string, unknown>> => import(spec) as Promise<Record<string, unknown>>;

describe('subpath exports expose the API only', () => {
  it('meterkit/tcp: the builder, the recorder and the buffer defaults, no encoder internals', async () => {
    const tcp = await load('meterkit/tcp');
    assert.deepEqual(Object.keys(tcp).sort(), ['DEFAULT_BUFFER_BYTES', 'DEFAULT_BUFFER_SIZE', 'DEFAULT_STREAM_ADDRESS', 'MIN_BUFFER_BYTES', 'TcpBuilder', 'TcpRecorder']);
    for (const internal of ['TAG', 'METRIC_TYPE', 'varintSize', 'writeVarint', 'encodeNamePart', 'encodeLabelsPart', 'encodeMetadataEvent', 'encodeTimestampField']) {
      assert.equal(internal in tcp, false, `meterkit/tcp exports ${internal}`);
    }
  });

  it('meterkit/http does not re-export parseHostPort', async () => {
    const http = await load('meterkit/http');
    assert.equal('parseHostPort' in http, false);
    assert.equal(typeof http.HttpServer, 'function');
  });
});

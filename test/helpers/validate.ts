/** Validates exposition text with the real parsers: promtool (0.0.4) and python-prometheus-client (OpenMetrics). */
import { spawn } from 'node:child_process';
import { PYTHON, requireTools } from './tools.js';

function pipe(cmd: string, args: string[], input: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
    child.stdin.end(input);
  });
}

/**
 * Runs `promtool check metrics`. Resolves with its lint remarks when the text parses (exit 0,
 * or 3 for lint remarks only); rejects with promtool's message on a parse error.
 */
export async function promtoolCheck(text: string): Promise<string[]> {
  requireTools('promtool');
  const { code, out } = await pipe('promtool', ['check', 'metrics'], text);
  if (code !== 0 && code !== 3) throw new Error(`promtool rejected the text (exit ${code}): ${out}`);
  if (/error/i.test(out)) throw new Error(`promtool reported an error: ${out}`);
  return out.split('\n').filter((l) => l.trim() !== '');
}

const PY = `
import sys, json, math
from prometheus_client.openmetrics.parser import text_string_to_metric_families
def num(v):
    if isinstance(v, float) and math.isnan(v): return 'NaN'
    if v == float('inf'): return '+Inf'
    if v == float('-inf'): return '-Inf'
    return v
fams = []
for f in text_string_to_metric_families(sys.stdin.read()):
    fams.append({'name': f.name, 'type': f.type, 'unit': f.unit, 'help': f.documentation,
                 'samples': [{'name': s.name, 'labels': s.labels, 'value': num(s.value),
                              'exemplar': ({'labels': s.exemplar.labels, 'value': num(s.exemplar.value),
                                            'timestamp': (float(s.exemplar.timestamp) if s.exemplar.timestamp is not None else None)}
                                           if s.exemplar else None)} for s in f.samples]})
print(json.dumps(fams))
`;

/** A family as python-prometheus-client's OpenMetrics parser understood it. */
export interface ParsedFamily {
  name: string;
  type: string;
  unit: string;
  help: string;
  samples: Array<{
    name: string;
    labels: Record<string, string>;
    value: number | string;
    exemplar: { labels: Record<string, string>; value: number | string; timestamp: number | null } | null;
  }>;
}

/** Parses OpenMetrics text with python-prometheus-client; rejects with the parser's error. */
export async function parseOpenMetrics(text: string): Promise<ParsedFamily[]> {
  requireTools('openmetrics');
  const { code, out } = await pipe(PYTHON, ['-c', PY], text);
  if (code !== 0) throw new Error(`OpenMetrics parser rejected the text: ${out}`);
  return JSON.parse(out) as ParsedFamily[];
}

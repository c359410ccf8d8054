/** Number and string spelling shared by the text formats. */

/** The two exposition formats. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** Content-Type of Prometheus text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Content-Type of OpenMetrics 1.0 text. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** A sample value: `NaN`, `+Inf`, `-Inf`, else the shortest round-trip decimal. */
export function formatValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * A `le` or `quantile` label value. OpenMetrics wants canonical numbers (`1.0`, not `1`);
 * text 0.0.4 keeps the short form that prom-client and client_golang write (`1`), so
 * existing dashboards keep matching.
 */
export function formatBound(v: number, format: ExpositionFormat): string {
  const s = formatValue(v);
  if (format === 'openmetrics' && Number.isInteger(v) && !s.includes('e')) return `${s}.0`;
  return s;
}

const LABEL_ESCAPE = /[\\"\n]/;
const HELP_ESCAPE_PROM = /[\\\n]/;
const HELP_ESCAPE_OM = /[\\"\n]/;

/** Escapes a label value: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabelValue(s: string): string {
  if (!LABEL_ESCAPE.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Escapes HELP text: `\` and newline in both formats; OpenMetrics also escapes `"` (its HELP
 * is an escaped string), text 0.0.4 must not (its parsers keep `\"` as two characters).
 */
export function escapeHelp(s: string, format: ExpositionFormat): string {
  if (format === 'openmetrics') {
    if (!HELP_ESCAPE_OM.test(s)) return s;
    return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  }
  if (!HELP_ESCAPE_PROM.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * The `q=` weight among the parameters of one element of an `Accept` or `Accept-Encoding`
 * list (lower-cased, trimmed): 1 when absent; 0, as "not acceptable", when it is not a number
 * from 0 to 1.
 */
export function qValue(params: readonly string[]): number {
  for (const p of params) {
    if (!p.startsWith('q=')) continue;
    const n = Number(p.slice(2));
    return p.length > 2 && n >= 0 && n <= 1 ? n : 0;
  }
  return 1;
}

/**
 * Picks the format for an `Accept` header: OpenMetrics when `application/openmetrics-text`
 * is acceptable and preferred at least as much as text/plain, else text 0.0.4.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept === '') return 'prometheus';
  let om = -1;
  let text = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    let q = 1;
    for (const p of params) {
      if (p.startsWith('q=')) {
        const n = Number(p.slice(2));
        q = Number.isFinite(n) ? n : 0;
      }
    }
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain') text = Math.max(text, q);
  }
  return om > 0 && om >= text ? 'openmetrics' : 'prometheus';
}

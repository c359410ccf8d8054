/** Number and string spelling shared by the text formats. */

import { qValue } from '../http/negotiate.js';

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

/** The outcome of content negotiation: what to render and the Content-Type to answer with. */
export interface Negotiated {
  readonly format: ExpositionFormat;
  readonly contentType: string;
}

/** Content-Type of OpenMetrics 0.0.1 text: the same body as 1.0.0, for a client that asks only for it. */
const OPENMETRICS_0_0_1_CONTENT_TYPE = 'application/openmetrics-text; version=0.0.1; charset=utf-8';
const TEXT: Negotiated = Object.freeze({ format: 'prometheus', contentType: PROMETHEUS_CONTENT_TYPE });
const OM_1: Negotiated = Object.freeze({ format: 'openmetrics', contentType: OPENMETRICS_CONTENT_TYPE });
const OM_0: Negotiated = Object.freeze({ format: 'openmetrics', contentType: OPENMETRICS_0_0_1_CONTENT_TYPE });

interface Clause {
  readonly range: string;
  readonly version: string | undefined;
  readonly q: number;
  readonly wild: number;
}

function clauses(accept: string): Clause[] {
  const out: Clause[] = [];
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const q = qValue(params);
    if (q <= 0) continue; // RFC 9110: q=0 means "not acceptable"
    const v = params.find((p) => p.startsWith('version='));
    const version = v === undefined ? undefined : v.slice(8).replace(/^"(.*)"$/, '$1');
    out.push({ range, version, q, wild: range === '*/*' ? 2 : range.endsWith('/*') ? 1 : 0 });
  }
  // highest q first, then the more specific range; Array.prototype.sort is stable, so
  // equal clauses keep the client's order
  return out.sort((a, b) => b.q - a.q || a.wild - b.wild);
}

/**
 * Content negotiation as client_golang's promhttp does it (expfmt.NegotiateAccept): the
 * `Accept` clauses are taken by q-value (then specificity, then order) and the first one that
 * names an offered format wins; when none does, text 0.0.4. Only `text/plain` with no version or
 * `version=0.0.4` names text; only `application/openmetrics-text` with `version=1.0.0`, `0.0.1`
 * or none (which means 0.0.1) names OpenMetrics, and only when `openMetrics` is offered.
 * Wildcards name no format (as in expfmt, whose formats all carry a version), so they end in the
 * text fallback. Two differences from expfmt: a `q=0` clause is "not acceptable" (RFC 9110), and
 * an `escaping=` parameter is ignored, because every name meterkit exposes is already a legacy
 * Prometheus name that every escaping scheme leaves as it is.
 */
export function negotiate(accept: string | undefined, openMetrics: boolean): Negotiated {
  if (accept === undefined || accept === '') return TEXT;
  for (const c of clauses(accept)) {
    if (c.range === 'text/plain' && (c.version === undefined || c.version === '0.0.4')) return TEXT;
    if (openMetrics && c.range === 'application/openmetrics-text') {
      if (c.version === '1.0.0') return OM_1;
      if (c.version === undefined || c.version === '0.0.1') return OM_0;
    }
  }
  return TEXT;
}

/**
 * The format a client prefers when both formats are offered: {@link negotiate} with OpenMetrics
 * enabled. (`createMetricsHandler` offers OpenMetrics only with `openMetrics: true`.)
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  return negotiate(accept, true).format;
}

/**
 * Notification events: what an application hands to {@link Broadcaster.write}, the one rule
 * that checks it ({@link normalizeEvent}), and the two wire forms an endpoint receives.
 *
 * Wire forms (per endpoint, `format`):
 * - `meterkit` (default): the envelope `{"events":[…]}` as distribution sends it, with
 *   `Content-Type: application/vnd.meterkit.events.v1+json` ({@link EVENTS_MEDIA_TYPE});
 * - `cloudevents`: CloudEvents 1.0 JSON in structured batch mode, a JSON array of CloudEvents
 *   with `Content-Type: application/cloudevents-batch+json` ({@link CLOUDEVENTS_BATCH_MEDIA_TYPE}).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, MeterkitError, describeValue } from '../core/errors.js';

/** Media type of the `{"events":[…]}` envelope (distribution's is `application/vnd.docker.distribution.events.v1+json`). */
export const EVENTS_MEDIA_TYPE = 'application/vnd.meterkit.events.v1+json';
/** Media type of a CloudEvents 1.0 structured batch (a JSON array of CloudEvents). */
export const CLOUDEVENTS_BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json';
/** The CloudEvents `type` of a meterkit event is this prefix followed by its action. */
export const CLOUDEVENTS_TYPE_PREFIX = 'io.meterkit.';
/** Longest event id, action, target field and source field, in characters. */
export const EVENT_FIELD_MAX = 256;
/** Largest event, serialized as JSON, in bytes of UTF-8 (what goes on the wire and into the queue). */
export const EVENT_MAX_BYTES = 64 * 1024;

/** What the event is about: a peer, a container, a backend, anything an application names. */
export interface EventTarget {
  /** Kind of thing, e.g. `peer`, `container`, `backend`. */
  type: string;
  /** Its identity within that kind, e.g. a peer id, a container id, `host:port`. */
  id: string;
  /** A readable name, when there is one. */
  name?: string;
}

/** Who emitted the event (distribution's `source`: the instance and its address). */
export interface EventSource {
  /** Identity of the emitting process or node. */
  instance: string;
  /** Its address (`host:port`), where it can be reached. */
  addr: string;
}

/** An event as a caller gives it: `id`, `timestamp` and `source` may be left out. */
export interface EventInput {
  /** Unique id; kept when given, else a random UUID. Receivers dedupe by it. */
  id?: string;
  /** RFC 3339 time (`2026-11-22T04:00:00Z`, `…+01:00`) or a Date; default: when written. */
  timestamp?: string | Date;
  /** What happened: a token of letters, digits and `._:/-`, e.g. `peer.down`, `container.die`. */
  action: string;
  /** What it happened to. */
  target: EventTarget;
  /** Who emitted it; default: the broadcaster's `source`. */
  source?: EventSource;
  /** Anything else, as JSON. */
  data?: unknown;
}

/** An event as it is queued and sent: every field filled in and checked. */
export interface NotifyEvent {
  id: string;
  /** RFC 3339. */
  timestamp: string;
  action: string;
  target: EventTarget;
  source: EventSource;
  data?: unknown;
}

const ACTION = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;
// an id is sent as the `webhook-id` header (alone in a batch) and is part of JetStream's
// message id: visible ASCII is what every HTTP stack and NATS header sends unchanged
const ID = /^[\x21-\x7e]+$/;
/** The rule of an event id, as errors state it. */
const ID_RULE = `it must be a string of 1 to ${EVENT_FIELD_MAX} visible ASCII characters (! to ~: without spaces or control characters), since it is sent as the webhook-id header`;
// RFC 3339 date-time (section 5.6): full-date "T" full-time, with a fraction and an offset
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalid(index: number | undefined, field: string, value: unknown, rule: string): MeterkitError {
  const where = index === undefined ? '' : ` (event ${index})`;
  return new MeterkitError(ErrorCode.InvalidEvent, `invalid event${where}: ${field} ${describeValue(value)}: ${rule}`);
}

function text(index: number | undefined, field: string, v: unknown, required = true): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > EVENT_FIELD_MAX || CONTROL.test(v)) {
    throw invalid(index, field, v, `it must be a string of 1 to ${EVENT_FIELD_MAX} characters without control characters`);
  }
  return v;
}

function eventId(index: number | undefined, v: unknown): string {
  if (typeof v !== 'string' || v.length > EVENT_FIELD_MAX || !ID.test(v)) throw invalid(index, 'id', v, ID_RULE);
  return v;
}

/** True when `s` is an RFC 3339 date-time naming a real instant. */
export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (m === null) return false;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d >= 1 && d <= days && !Number.isNaN(Date.parse(s));
}

// the default timestamp of the last ms asked for: a write of many events formats it once
let lastMs = NaN;
let lastIso = '';

function timestamp(index: number | undefined, v: unknown, now: () => number): string {
  if (v === undefined) {
    const ms = now();
    if (ms !== lastMs) {
      lastIso = new Date(ms).toISOString();
      lastMs = ms;
    }
    return lastIso;
  }
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw invalid(index, 'timestamp', 'Invalid Date', 'it must be a valid Date or an RFC 3339 date-time');
    return v.toISOString();
  }
  if (typeof v === 'string' && isRfc3339(v)) return v;
  throw invalid(index, 'timestamp', v, 'it must be an RFC 3339 date-time such as 2026-11-22T04:00:00Z, or a Date');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The one rule for event input: checks every field, fills in `id` (a random UUID),
 * `timestamp` (now) and `source` (`defaultSource`) when missing, and returns a fresh object.
 * `index` (the event's position in a batch) is named in errors.
 * @throws MeterkitError `ERR_METERKIT_INVALID_EVENT` naming the field, the value and the rule.
 */
export function normalizeEvent(
  input: unknown,
  defaultSource: EventSource,
  index?: number,
  now: () => number = Date.now,
): NotifyEvent {
  if (!isObject(input)) throw invalid(index, 'event', input, 'it must be an object with action and target');
  const id = input.id === undefined ? randomUUID() : eventId(index, input.id);
  const action = text(index, 'action', input.action) as string;
  if (!ACTION.test(action)) throw invalid(index, 'action', action, 'it must start with a letter or digit and hold only letters, digits and ._:/-');
  const t = input.target;
  if (!isObject(t)) throw invalid(index, 'target', t, 'it must be an object {type, id, name?}');
  const target: EventTarget = { type: text(index, 'target.type', t.type) as string, id: text(index, 'target.id', t.id) as string };
  const name = text(index, 'target.name', t.name, false);
  if (name !== undefined) target.name = name;
  let source = defaultSource;
  if (input.source !== undefined) {
    const s = input.source;
    if (!isObject(s)) throw invalid(index, 'source', s, 'it must be an object {instance, addr}');
    source = { instance: text(index, 'source.instance', s.instance) as string, addr: text(index, 'source.addr', s.addr) as string };
  }
  const event: NotifyEvent = { id, timestamp: timestamp(index, input.timestamp, now), action, target, source };
  if (input.data !== undefined) event.data = input.data;
  let json: string | undefined;
  try {
    json = JSON.stringify(event);
  } catch (err) {
    throw new MeterkitError(ErrorCode.InvalidEvent, `invalid event${index === undefined ? '' : ` (event ${index})`}: data cannot be written as JSON: ${(err as Error).message}`, { cause: err });
  }
  // a UTF-16 unit is at most 3 bytes of UTF-8: short JSON needs no count
  const bytes = json.length * 3 <= EVENT_MAX_BYTES ? json.length : Buffer.byteLength(json);
  if (bytes > EVENT_MAX_BYTES) throw invalid(index, 'event', `${bytes} bytes of JSON`, `an event must be at most ${EVENT_MAX_BYTES} bytes of JSON (UTF-8)`);
  JSON_OF.set(event, json);
  return event;
}

// the JSON normalizeEvent made to check the size, kept for the queue (events are not changed
// between the check and the append: write() hands them out only once they are stored)
const JSON_OF = new WeakMap<NotifyEvent, string>();

/** An event as JSON: the text {@link normalizeEvent} already made, or a new one. */
export function eventJson(e: NotifyEvent): string {
  return JSON_OF.get(e) ?? JSON.stringify(e);
}

/**
 * The events of a body an application sends (parsed JSON): a JSON array of events, or an
 * envelope `{"events": [...]}`. The events themselves are checked by {@link normalizeEvent}.
 * @throws MeterkitError `ERR_METERKIT_INVALID_EVENT` when it is neither.
 */
export function eventsFromBody(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (isObject(body) && Array.isArray(body.events)) return body.events;
  throw new MeterkitError(ErrorCode.InvalidEvent, `invalid events: body ${describeValue(body)}: it must be a JSON array of events or an envelope {"events": [...]}`);
}

/**
 * The body of a request in the `meterkit` format from events already serialized one by one
 * (the queue keeps each event's JSON, so a batch is joined, not serialized again).
 */
export function envelopeBody(eventJson: readonly string[]): string {
  return `{"events":[${eventJson.join(',')}]}`;
}

/** One CloudEvent 1.0 (JSON format) of a meterkit event. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: { target: EventTarget; source: EventSource; data?: unknown };
}

/**
 * A meterkit event as a CloudEvent: `type` is `io.meterkit.<action>`, `source` the URI
 * reference `/meterkit/<instance>` (percent-encoded), `subject` `<target.type>/<target.id>`,
 * `time` the timestamp, `data` the target, source and data.
 */
export function toCloudEvent(e: NotifyEvent): CloudEvent {
  const data: CloudEvent['data'] = { target: e.target, source: e.source };
  if (e.data !== undefined) data.data = e.data;
  return {
    specversion: '1.0',
    id: e.id,
    source: `/meterkit/${encodeURIComponent(e.source.instance)}`,
    type: `${CLOUDEVENTS_TYPE_PREFIX}${e.action}`,
    time: e.timestamp,
    subject: `${e.target.type}/${e.target.id}`,
    datacontenttype: 'application/json',
    data,
  };
}

/** The body of a request in the `cloudevents` format (structured batch mode). */
export function cloudEventsBody(eventJson: readonly string[]): string {
  return JSON.stringify(eventJson.map((j) => toCloudEvent(JSON.parse(j) as NotifyEvent)));
}

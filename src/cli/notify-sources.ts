/**
 * The agent's own events, as notifications: monitor alerts, proxy backend liveness and Docker
 * container events. Each source hands its event to a {@link Publish}; a write that fails (a
 * full or closed queue) is logged with its reason, never thrown into the source.
 *
 * Event shapes (README "### Sources"):
 * - `peer.down` / `peer.up`: target `{type: "peer", id: <peer>}`, data `{metric, lastSeen, phi?}`;
 * - `backend.dead` / `backend.live`: target `{type: "backend", id: "host:port", name: <server>}`;
 * - `container.start`, `container.die`, `container.oom`, `container.health_status`: target
 *   `{type: "container", id: <id>, name: <name>}`, data `{image, exitCode?, health?}`.
 */
import type { Broadcaster, EventInput } from '../notify/index.js';
import type { Alert } from '../monitor/types.js';
import type { Backend, ProxyServer } from '../proxy/index.js';
import type { ContainerEvent } from '../collectors/docker/events.js';

/** Hands one event to the broadcaster. */
export type Publish = (event: EventInput) => void;

/** A {@link Publish} on `broadcaster` that logs a failed write (the event is named, not lost silently). */
export function publisher(broadcaster: Broadcaster, log: (line: string) => void): Publish {
  return (event) => {
    broadcaster.write(event).catch((err: unknown) => log(`meterkit notify: event ${event.action} ${event.target.type} ${JSON.stringify(event.target.id)} not queued: ${err instanceof Error ? err.message : String(err)}`));
  };
}

/** A monitor alert as an event: `peer.down` / `peer.up`. */
export function alertEvent(a: Alert): EventInput {
  const data: Record<string, unknown> = { metric: a.metric, lastSeen: new Date(a.lastSeen).toISOString() };
  if (a.phi !== undefined) data.phi = a.phi;
  return { action: `peer.${a.kind}`, timestamp: new Date(a.time), target: { type: 'peer', id: a.peer }, data };
}

/** A proxy backend's liveness change as an event: `backend.live` / `backend.dead`. */
export function backendEvent(server: ProxyServer, b: Backend): EventInput {
  return { action: b.live ? 'backend.live' : 'backend.dead', target: { type: 'backend', id: b.key, name: server.name } };
}

/** A Docker engine event as a notification: `container.<action>`. */
export function containerEvent(e: ContainerEvent): EventInput {
  const data: Record<string, unknown> = { image: e.image };
  if (e.exitCode !== undefined) data.exitCode = e.exitCode;
  if (e.health !== undefined) data.health = e.health;
  const target = e.name === '' ? { type: 'container', id: e.id } : { type: 'container', id: e.id, name: e.name };
  return { action: `container.${e.action}`, timestamp: new Date(e.time), target, data };
}

/** Publishes a monitor's alerts as `peer.down` / `peer.up` events (nothing without `publish`). */
export function notifyAlerts(monitor: { on(event: 'alert', listener: (a: Alert) => void): unknown }, publish: Publish | null | undefined): void {
  if (publish) monitor.on('alert', (a) => publish(alertEvent(a)));
}

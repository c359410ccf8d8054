/**
 * What cAdvisor reads from the host and the Engine API does not say: a container's cgroup path
 * (cAdvisor's `id` label) and block device names. Read only when the engine is local (a unix
 * socket); each lookup checks that what it read belongs to the container, so an engine in
 * another pid namespace (meterkit in a container with the socket mounted) falls back instead
 * of naming another process's cgroup.
 */
import { readFile, readlink } from 'node:fs/promises';
import { basename } from 'node:path';

/** Where the host's /proc and /sys are (other roots in tests, or a host mount). */
export interface HostPaths {
  proc: string;
  sys: string;
}

/** The default roots. */
export const HOST_PATHS: Readonly<HostPaths> = Object.freeze({ proc: '/proc', sys: '/sys' });

/** cAdvisor's name for a Docker container under the cgroupfs driver: the fallback `id`. */
export function fallbackCgroup(id: string): string {
  return `/docker/${id}`;
}

/**
 * The container's cgroup path from `/proc/<pid>/cgroup`: the cgroup v2 line (`0::/…`), else
 * the v1 `memory` or `cpu` hierarchy (what cAdvisor names containers by). Undefined when it
 * cannot be read or does not contain the container's id.
 */
export async function cgroupPath(pid: number, id: string, paths: HostPaths = HOST_PATHS): Promise<string | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = await readFile(`${paths.proc}/${pid}/cgroup`, 'utf8');
  } catch (err) {
    // the process ended, or /proc is another namespace's: the documented fallback applies
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw err;
  }
  let v1: string | undefined;
  for (const line of text.split('\n')) {
    // hierarchy-ID:controller-list:cgroup-path, where the path itself may hold ':' (cri-containerd:<id>)
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) continue;
    const [hid, controllers, path] = [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1)];
    if (!path.includes(id)) continue;
    if (hid === '0' && controllers === '') return path;
    if (v1 === undefined && controllers.split(',').some((c) => c === 'memory' || c === 'cpu')) v1 = path;
  }
  return v1;
}

/**
 * `/dev/<name>` of a block device from `/sys/dev/block/<major>:<minor>` (a link ending in the
 * device's name), or undefined when it is not there.
 */
export async function blockDeviceName(major: number, minor: number, paths: HostPaths = HOST_PATHS): Promise<string | undefined> {
  try {
    return `/dev/${basename(await readlink(`${paths.sys}/dev/block/${major}:${minor}`))}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw err;
  }
}

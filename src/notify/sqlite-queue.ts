/**
 * The durable queue (the default): one SQLite database (better-sqlite3, WAL journal) in a
 * state directory, `notify.sqlite`.
 *
 * Guarantees: {@link SqliteQueue.append} resolves only after its transaction has committed, so
 * an accepted event survives `kill -9` of the process (and, with `synchronous: 'full'`, a
 * power loss too: every append and replay is fsync'ed before it resolves; the default,
 * `'normal'`, fsyncs at WAL checkpoints only, so a power cut may lose the last commits). Events are deleted when acked. A lease is
 * kept in memory only, so after a crash the batch that was in flight is taken again:
 * at-least-once delivery, duplicates only for that batch.
 *
 * One process per state directory: the database is opened with `locking_mode=EXCLUSIVE`, so a
 * second process fails to open it instead of delivering the same events twice.
 *
 * Backpressure: appends made in the same turn of the event loop are committed together in one
 * transaction (group commit), which is what makes one fsync serve many writes. The dead-letter
 * store is bounded per endpoint (`maxDeadLetters`) like the memory queue's: the oldest dead
 * letters are deleted in the transaction that adds new ones past it, and counted.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { checkWhole } from '../core/options.js';
import type { NotifyEvent } from './event.js';
import { eventJson } from './event.js';
import type { DeadLetter, DeadLetterQuery, DeadLetterReason, EndpointEvents, NotifyQueue, QueuedEvent } from './queue.js';
import { fitting } from './queue.js';
import { DEFAULT_MAX_PENDING, LocalQueue, QueueState, resolveMaxDeadLetters } from './queue-state.js';

/** Rows of one multi-row INSERT. */
const INSERT_ROWS = 64;

/** The database's file name inside the state directory. */
export const SQLITE_QUEUE_FILE = 'notify.sqlite';

/** Options of {@link SqliteQueue.open}. */
export interface SqliteQueueOptions {
  /** Directory of the database; created (mode 0700) when missing. */
  stateDir: string;
  /** `normal` (default): a committed append survives any crash of the process, a power cut may lose the last ones; `full`: appends and replays are fsync'ed before they resolve (survive a power cut). */
  synchronous?: 'full' | 'normal';
  /** Most events held per endpoint. Default 1 000 000. */
  maxPending?: number;
  /** Most dead letters held per endpoint; past it the oldest are deleted (counted). Default: maxPending. */
  maxDeadLetters?: number;
  /** Time source for `enqueuedAt` and dead letters. Default `Date.now`. */
  now?: () => number;
}

type Row = { seq: number; event_id: string; action: string; enqueued: number; json: string };
type DeadRow = { seq: number; endpoint: string; event_id: string; action: string; json: string; reason: string; at: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, event_id TEXT NOT NULL, action TEXT NOT NULL, enqueued INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (seq INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, event_id TEXT NOT NULL, action TEXT NOT NULL, json TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS dead_letters_by_endpoint ON dead_letters (endpoint, seq);
`;

interface Group {
  batches: readonly EndpointEvents[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** See the file comment. */
export class SqliteQueue extends LocalQueue implements NotifyQueue {
  readonly kind = 'sqlite';
  readonly durable = true;
  private readonly cursor = new Map<string, number>();
  private group: Group[] = [];
  private readonly insert: BetterSqlite3.Statement<[string, string, string, number, string]>;
  private readonly select: BetterSqlite3.Statement<[string, number, number], Row>;
  private readonly remove: BetterSqlite3.Statement<[string, number, number]>;
  private readonly dropOldestDead: BetterSqlite3.Statement<[string, number]>;
  private readonly commitGroup: (groups: readonly Group[], at: number) => void;

  private constructor(
    private readonly db: BetterSqlite3.Database,
    maxPending: number,
    maxDeadLetters: number,
    private readonly now: () => number,
    private readonly fsyncAppends: boolean,
  ) {
    super(new QueueState('sqlite', maxPending, maxDeadLetters));
    this.insert = db.prepare('INSERT INTO events (endpoint, event_id, action, enqueued, json) VALUES (?, ?, ?, ?, ?)');
    // no (endpoint, seq) index: it cost a third of the insert rate. A take scans rows in seq
    // order from the endpoint's cursor; delivered rows are deleted, so what lies past a cursor
    // is live backlog (this endpoint's and, interleaved, the others')
    this.select = db.prepare<[string, number, number], Row>('SELECT seq, event_id, action, enqueued, json FROM events WHERE endpoint = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.remove = db.prepare('DELETE FROM events WHERE endpoint = ? AND seq BETWEEN ? AND ?');
    // walks dead_letters_by_endpoint from the oldest: the cost is the rows dropped, not the store
    this.dropOldestDead = db.prepare('DELETE FROM dead_letters WHERE seq IN (SELECT seq FROM dead_letters WHERE endpoint = ? ORDER BY seq LIMIT ?)');
    const insertMany = db.prepare(`INSERT INTO events (endpoint, event_id, action, enqueued, json) VALUES ${Array(INSERT_ROWS).fill('(?, ?, ?, ?, ?)').join(', ')}`);
    this.commitGroup = db.transaction((groups: readonly Group[], at: number) => {
      // rows go in INSERT_ROWS at a time: one statement per row cost 40% of the append rate
      let params: Array<string | number> = [];
      for (const g of groups) {
        for (const b of g.batches) {
          for (const e of b.events) {
            params.push(b.endpoint, e.id, e.action, at, eventJson(e));
            if (params.length === INSERT_ROWS * 5) {
              insertMany.run(params);
              params = [];
            }
          }
        }
      }
      for (let i = 0; i < params.length; i += 5) this.insert.run(...(params.slice(i, i + 5) as [string, string, string, number, string]));
    });
    const pend = db.prepare<[], { endpoint: string; n: number }>('SELECT endpoint, count(*) AS n FROM events GROUP BY endpoint').all();
    const dead = new Map(db.prepare<[], { endpoint: string; n: number }>('SELECT endpoint, count(*) AS n FROM dead_letters GROUP BY endpoint').all().map((r) => [r.endpoint, r.n]));
    for (const r of pend) this.state.load(r.endpoint, r.n, dead.get(r.endpoint) ?? 0);
    for (const [ep, n] of dead) if (!pend.some((r) => r.endpoint === ep)) this.state.load(ep, 0, n);
  }

  /**
   * Opens (or creates) the queue in `options.stateDir`.
   * @throws MeterkitError `ERR_METERKIT_NOTIFY_QUEUE` when better-sqlite3 cannot be loaded or
   * the database cannot be opened (another process holds it, say), with the cause.
   */
  static async open(options: SqliteQueueOptions): Promise<SqliteQueue> {
    const maxPending = checkWhole('maxPending', options.maxPending ?? DEFAULT_MAX_PENDING);
    const maxDeadLetters = resolveMaxDeadLetters(options.maxDeadLetters, maxPending);
    const sync = options.synchronous ?? 'normal';
    if (sync !== 'full' && sync !== 'normal') throw new MeterkitError(ErrorCode.InvalidArgument, `invalid synchronous ${JSON.stringify(sync)}: it must be "full" or "normal"`);
    const file = join(options.stateDir, SQLITE_QUEUE_FILE);
    let db: BetterSqlite3.Database;
    try {
      const Database = (await import('better-sqlite3')).default;
      mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
      // a second process on the same directory fails at once instead of waiting 5 s for the lock
      db = new Database(file, { timeout: 250 });
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
    } catch (err) {
      throw new MeterkitError(ErrorCode.NotifyQueue, `cannot open the notification queue ${file}: ${(err as Error).message}`, { cause: err });
    }
    return new SqliteQueue(db, maxPending, maxDeadLetters, options.now ?? Date.now, sync === 'full');
  }

  append(batches: readonly EndpointEvents[]): Promise<void> {
    try {
      this.state.checkRoom(batches);
    } catch (err) {
      return Promise.reject(err);
    }
    // counted now, so the bound holds for writes waiting in the same group
    for (const b of batches) this.state.reserve(b.endpoint, b.events.length);
    return new Promise((resolve, reject) => {
      if (this.group.length === 0) queueMicrotask(() => this.flush());
      this.group.push({ batches, resolve, reject });
    });
  }

  private flush(): void {
    if (this.group.length === 0) return;
    const groups = this.group;
    this.group = [];
    try {
      this.durably(() => this.commitGroup(groups, this.now()));
    } catch (err) {
      const e = new MeterkitError(ErrorCode.NotifyQueue, `cannot store events in the notification queue: ${(err as Error).message}`, { cause: err });
      for (const g of groups) {
        for (const b of g.batches) this.state.reserve(b.endpoint, -b.events.length);
        g.reject(e);
      }
      return;
    }
    for (const g of groups) {
      for (const b of g.batches) {
        this.state.reserve(b.endpoint, -b.events.length);
        this.state.added(b.endpoint, b.events.length);
      }
      g.resolve();
    }
  }

  /** Runs a transaction whose commit is fsync'ed (with `synchronous: 'full'`): appends and replays. */
  private durably(commit: () => void): void {
    if (!this.fsyncAppends) return commit();
    this.db.pragma('synchronous = FULL');
    try {
      commit();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  async take(endpoint: string, max: number, maxBytes = Infinity): Promise<QueuedEvent[]> {
    this.state.checkOpen();
    const rows = this.select.all(endpoint, this.cursor.get(endpoint) ?? 0, max);
    rows.length = fitting(rows, maxBytes);
    const out = rows.map((r): QueuedEvent => ({ key: r.seq, id: r.event_id, action: r.action, json: r.json, enqueuedAt: r.enqueued }));
    const last = rows[rows.length - 1];
    if (last !== undefined) this.cursor.set(endpoint, last.seq);
    this.state.leased(endpoint, out[0]?.key, out.length);
    return out;
  }

  private range(endpoint: string, events: readonly QueuedEvent[]): [number, number] {
    this.state.checkSettle(endpoint, events[0]?.key, events.length);
    // a batch is a run of one endpoint's rows in seq order, so a range names exactly its rows
    return [events[0]?.key as number, events[events.length - 1]?.key as number];
  }

  async ack(endpoint: string, events: readonly QueuedEvent[]): Promise<void> {
    this.state.checkOpen();
    if (events.length === 0) return;
    const [from, to] = this.range(endpoint, events);
    this.remove.run(endpoint, from, to);
    this.state.removed(endpoint, false);
  }

  async release(endpoint: string, events: readonly QueuedEvent[]): Promise<void> {
    this.state.checkOpen();
    const first = events[0];
    if (first === undefined) return;
    this.state.released(endpoint, first.key);
    this.cursor.set(endpoint, (first.key as number) - 1);
  }

  async deadLetter(endpoint: string, events: readonly QueuedEvent[], reason: DeadLetterReason): Promise<void> {
    this.state.checkOpen();
    if (events.length === 0) return;
    const [from, to] = this.range(endpoint, events);
    const why = JSON.stringify(reason);
    const at = this.now();
    const over = this.state.deadOver(endpoint, events.length);
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO dead_letters (endpoint, event_id, action, json, reason, at) SELECT endpoint, event_id, action, json, ?, ? FROM events WHERE endpoint = ? AND seq BETWEEN ? AND ? ORDER BY seq').run(why, at, endpoint, from, to);
      this.remove.run(endpoint, from, to);
      if (over > 0) this.dropOldestDead.run(endpoint, over);
    })();
    this.state.removed(endpoint, true);
    if (over > 0) this.state.droppedDead(endpoint, over);
  }

  private deadRows(q: DeadLetterQuery, limit: number): DeadRow[] {
    const where = q.endpoint === undefined ? '' : 'WHERE endpoint = ? ';
    const args = q.endpoint === undefined ? [] : [q.endpoint];
    if (q.ids === undefined) {
      return this.db.prepare<unknown[], DeadRow>(`SELECT * FROM dead_letters ${where}ORDER BY seq LIMIT ?`).all(...args, Math.min(limit, Number.MAX_SAFE_INTEGER));
    }
    const ids = new Set(q.ids);
    const out: DeadRow[] = [];
    for (const r of this.db.prepare<unknown[], DeadRow>(`SELECT * FROM dead_letters ${where}ORDER BY seq`).iterate(...args)) {
      if (!ids.has(r.event_id)) continue;
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  async deadLetters(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    this.state.checkOpen();
    const limit = checkWhole('limit', query.limit ?? 1000);
    return this.deadRows(query, limit).map((r) => ({ endpoint: r.endpoint, event: JSON.parse(r.json) as NotifyEvent, reason: JSON.parse(r.reason) as DeadLetterReason, at: r.at }));
  }

  async replay(query: DeadLetterQuery = {}): Promise<number> {
    this.state.checkOpen();
    const rows = this.deadRows(query, Number.MAX_SAFE_INTEGER);
    // all or nothing, like a write: a replay past an endpoint's bound is refused whole
    const per = new Map<string, number>();
    for (const r of rows) per.set(r.endpoint, (per.get(r.endpoint) ?? 0) + 1);
    for (const [ep, n] of per) this.state.checkRoomFor(ep, n);
    const at = this.now();
    const drop = this.db.prepare('DELETE FROM dead_letters WHERE seq = ?');
    this.durably(
      this.db.transaction(() => {
        for (const r of rows) {
          this.insert.run(r.endpoint, r.event_id, r.action, at, r.json);
          drop.run(r.seq);
        }
      }),
    );
    for (const [ep, n] of per) {
      this.state.undead(ep, n);
      this.state.added(ep, n);
    }
    return rows.length;
  }

  async close(): Promise<void> {
    this.flush();
    this.state.close();
    if (this.db.open) this.db.close();
  }
}

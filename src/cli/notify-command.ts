/**
 * `meterkit notify dead-letters`: lists (and with `--replay` requeues) the dead letters of
 * the durable queue in a state directory. The queue is opened by one process at a time: while
 * an agent runs on the directory, ask the agent instead (`GET /notify/v1/dead-letters`,
 * `POST /notify/v1/dead-letters/replay`).
 */
import { ErrorCode, MeterkitError } from '../core/errors.js';
import { SqliteQueue } from '../notify/index.js';
import type { DeadLetter } from '../notify/index.js';
import { stateDirFlag } from './notify.js';
import { UsageError, parseCommandArgs, wholeFlag } from './usage.js';

/** Help of `meterkit notify`. */
export const NOTIFY_COMMAND_HELP = `Usage: meterkit notify dead-letters [--endpoint NAME] [--replay] [--json] [--state-dir DIR]

Lists the events the agent gave up on (an endpoint refused them with a 4xx, or max-attempts
were used up), oldest first: endpoint, event id, action, target, reason. With --replay, moves
them back to the end of their endpoint's queue: the next agent run on the directory sends
them again. Reads the durable queue in --state-dir (default $XDG_STATE_HOME/meterkit, else
~/.local/state/meterkit); while an agent runs on it, use the agent's API instead:
GET /notify/v1/dead-letters[?endpoint=NAME] and POST /notify/v1/dead-letters/replay.

Options:
  --endpoint <name>   Only this endpoint's dead letters
  --replay            Requeue them (prints how many)
  --json              One dead letter per line as JSON {endpoint, event, reason, at}
  --limit <n>         List at most n (default 1000)
  --state-dir <dir>   The agent's state directory
  -h, --help          Show this help
`;

/** One line of the table. */
function line(d: DeadLetter): string {
  const status = d.reason.status === undefined ? '' : ` ${d.reason.status}`;
  return `${new Date(d.at).toISOString()}  ${d.endpoint}  ${d.event.id}  ${d.event.action}  ${d.event.target.type}/${d.event.target.id}  ${d.reason.kind}${status} after ${d.reason.attempts} attempt(s): ${d.reason.message}\n`;
}

/** Runs `meterkit notify …`; resolves to the exit code, or 'help'. */
export async function notifyCommand(args: readonly string[], out: (s: string) => void, err: (s: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number | 'help'> {
  const { values, positionals } = parseCommandArgs(args, { endpoint: { type: 'string' }, replay: { type: 'boolean' }, json: { type: 'boolean' }, limit: { type: 'string' }, 'state-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return 'help';
  if (positionals[0] !== 'dead-letters' || positionals.length > 1) throw new UsageError(`unknown subcommand ${JSON.stringify(positionals.join(' '))}: use "meterkit notify dead-letters"`);
  const limitText = values.limit;
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = wholeFlag('--limit', limitText);
  }
  const stateDir = stateDirFlag(values['state-dir'], env);
  let queue: SqliteQueue;
  try {
    queue = await SqliteQueue.open({ stateDir });
  } catch (e) {
    if (e instanceof MeterkitError && e.code === ErrorCode.NotifyQueue) {
      err(`meterkit notify: cannot open the queue in ${stateDir}: ${e.message} (is an agent running on it? then use its API: GET /notify/v1/dead-letters, POST /notify/v1/dead-letters/replay)\n`);
      return 1;
    }
    throw e;
  }
  try {
    const query = { endpoint: values.endpoint, limit };
    if (values.replay) {
      const n = await queue.replay(query);
      out(`requeued ${n} dead letter(s)${values.endpoint === undefined ? '' : ` of ${values.endpoint}`}; the agent sends them on its next run on ${stateDir}\n`);
      return 0;
    }
    const list = await queue.deadLetters(query);
    if (values.json) out(list.map((d) => `${JSON.stringify(d)}\n`).join(''));
    else out(list.length === 0 ? 'no dead letters\n' : list.map(line).join(''));
    return 0;
  } finally {
    await queue.close();
  }
}

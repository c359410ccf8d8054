/*
 * Review finding of issue #13 (house rule: coded errors name the bad value): describeValue,
 * used by 91 error messages, writes "a object" / "a function" for anything that is not a
 * primitive or an array. ClusterAggregator.addWorker(childProcess) says "got a object": neither
 * grammatical nor naming what was given (a ChildProcess).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describeValue } from '../../src/core/errors.js';
import { ClusterAggregator } from '../../src/cluster/index.js';


class ChildProcessLike extends EventEmitter {}

describe('prom13: error messages name the value', () => {
  it('describeValue names an object by its class and is grammatical', () => {
    assert.doesNotMatch(describeValue({}), /\ba object\b/);
    assert.match(describeValue(new ChildProcessLike()), /ChildProcessLike/);
  });

  it('addWorker refuses a non-thread naming what it got', async () => {
    const agg = new ClusterAggregator({ cluster: false });
    try {
      assert.throws(() => agg.addWorker(new ChildProcessLike() as never), (err: Error) => /ChildProcessLike/.test(err.message));
    } finally {
      await agg.close();
    }
  });
});

/** Worker: connects to the stream, decodes every event, reports the count when asked. */
import { connect } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { StreamDecoder } from '../src/observer/decode.js';

const { port } = workerData as { port: number };
const decoder = new StreamDecoder();
let events = 0;
let checksum = 0;
const socket = connect(port, '127.0.0.1', () => parentPort?.postMessage({ type: 'connected' }));
socket.on('data', (chunk: Buffer) => {
  for (const e of decoder.push(chunk)) {
    events++;
    if (e.type === 'metric') checksum += e.value;
  }
});
parentPort?.on('message', (m: string) => {
  if (m === 'count') parentPort?.postMessage({ type: 'count', events, checksum });
  if (m === 'stop') socket.destroy();
});

/** `npm run bench`: every benchmark suite in one process, then a table and JSON. */
import { printReport, targets } from './harness.js';
import { runCore } from './core.js';
import { runRender } from './render.js';
import { runTcp } from './tcp.js';
import { runDocker } from './docker.js';
import { runProxy } from './proxy.js';
import { runMonitor } from './monitor.js';
import { runNotify } from './notify.js';
import { runPromClient } from './prom-client.js';
import { runCluster } from './cluster.js';
import { runRemoteWrite } from './remote-write.js';

const only = process.argv[2];
if (only === undefined || only === 'core') await runCore();
if (only === undefined || only === 'render') await runRender();
if (only === undefined || only === 'tcp') await runTcp();
if (only === undefined || only === 'docker') await runDocker();
if (only === undefined || only === 'proxy') await runProxy();
if (only === undefined || only === 'monitor') await runMonitor();
if (only === undefined || only === 'notify') await runNotify();
if (only === undefined || only === 'prom-client') await runPromClient();
if (only === undefined || only === 'cluster') await runCluster();
if (only === undefined || only === 'remote-write') await runRemoteWrite();
printReport();
if (targets.some((t) => !t.pass)) process.exitCode = 1;

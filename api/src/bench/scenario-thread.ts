/**
 * The thread a scenario runs in: fresh module state for each start of the system. It runs the
 * scenario it was handed and posts the figures back; a failure reaches the starting thread as
 * the thread's error.
 *
 * Leaves out: everything else; see scenario.ts.
 */
import 'reflect-metadata';

import { parentPort, workerData } from 'node:worker_threads';

import { runScenario, type ScenarioRequest } from './scenario.ts';

const result = await runScenario(workerData as ScenarioRequest);
parentPort?.postMessage(result);

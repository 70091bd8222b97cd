// Command-line entry for the Shopify simulator:
//   node --import ./register.mjs src/shopify/simulator/main.ts [--port 7001]
//     [--orders-to http://127.0.0.1:4000/webhooks/shopify] [--order-interval-ms 5000] [--seed 1]
// Token and secret come from SHOPIFY_ACCESS_TOKEN and SHOPIFY_CLIENT_SECRET (simulator defaults
// otherwise). Logs JSON lines with pino. Leaves out: every option startShopifySimulator has
// beyond these (bucket size, catalogue path), which tests set in code.
import { parseArgs } from 'node:util';

import { pino } from 'pino';

import { type OrderStream, startOrderStream } from './orders.ts';
import { seededRandom } from './random.ts';
import {
  simulatorAccessTokenDefault,
  simulatorClientSecretDefault,
  startShopifySimulator,
} from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '7001' },
    'orders-to': { type: 'string' },
    'order-interval-ms': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
  },
});

const logger = pino({ base: { service: 'shopify-simulator' } });

const simulator = await startShopifySimulator({
  port: Number(values.port),
  accessToken: process.env.SHOPIFY_ACCESS_TOKEN || simulatorAccessTokenDefault,
  clientSecret: process.env.SHOPIFY_CLIENT_SECRET || simulatorClientSecretDefault,
  logger,
});

let orderStream: OrderStream | undefined;
const ordersTo = values['orders-to'];
if (ordersTo) {
  orderStream = startOrderStream(simulator, {
    targetUrl: ordersTo,
    intervalMs: Number(values['order-interval-ms']),
    random: seededRandom(Number(values.seed)),
    logger,
  });
  logger.info({ targetUrl: ordersTo }, 'order stream started');
}

const shutdown = async (): Promise<void> => {
  await orderStream?.stop();
  await simulator.close();
  logger.info('shopify simulator stopped');
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shopify simulator failed to stop');
        process.exit(1);
      },
    );
  });
}

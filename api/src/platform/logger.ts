/**
 * The one structured logger. Context goes in fields, never interpolated into the message, and
 * secrets are redacted by path so that a header or a config object can be logged safely.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = 'info'): Logger {
  return pino({
    level,
    base: { service: 'quartermaster' },
    redact: {
      paths: [
        '*.authorization',
        '*.Authorization',
        '*["x-shopify-access-token"]',
        '*["x-shopify-hmac-sha256"]',
        'accessToken',
        '*.accessToken',
        'clientSecret',
        '*.clientSecret',
        'token',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}

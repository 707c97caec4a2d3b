import type { ConnectionOptions } from 'snowflake-sdk';
import { z } from 'zod';
import { DESTINATION_API_VERSION, defineDestination, secret, sqlIdentifier, target } from '../sdk/index.ts';

const snowflakeConfig = z
  .object({
    account: target(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'an account identifier such as myorg-myaccount or xy12345.eu-west-1'))
      .describe('Account identifier (orgname-accountname, or the account locator with its region)'),
    username: target(z.string().min(1)).describe('Login name of the user Tributary connects as'),
    password: secret(z.string().min(1)).optional().describe('Password (password authentication)'),
    privateKey: secret(z.string().includes('PRIVATE KEY'))
      .optional()
      .describe('PEM private key (PKCS#8) for key-pair authentication (SNOWFLAKE_JWT); preferred over a password'),
    privateKeyPassphrase: secret(z.string().min(1)).optional().describe('Passphrase of an encrypted private key'),
    role: target(z.string().min(1)).optional().describe('Role to use; the user default role when empty'),
    warehouse: z.string().min(1).describe('Virtual warehouse that runs the loads and merges'),
    database: target(z.string().min(1)).describe('Database holding the schema (must exist)'),
    schema: sqlIdentifier.default('tributary').describe('Schema holding the Tributary tables; created if missing'),
    accessUrl: target(z.url({ protocol: /^https?$/ }), { kind: 'url', override: true })
      .optional()
      .describe('Override of https://<account>.snowflakecomputing.com (private link, tests)'),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(900)
      .describe('Longest wait for one statement, the driver’s own retries of 5xx/429 included; then the sync fails as retryable'),
  })
  .refine((config) => (config.password === undefined) !== (config.privateKey === undefined), {
    message: 'give exactly one of password or privateKey',
    path: ['password'],
  })
  .refine((config) => config.privateKeyPassphrase === undefined || config.privateKey !== undefined, {
    message: 'privateKeyPassphrase needs privateKey',
    path: ['privateKeyPassphrase'],
  });

/** The parsed configuration of the Snowflake destination. */
export type SnowflakeDestinationConfig = z.output<typeof snowflakeConfig>;

/** Snowflake, through snowflake-sdk. */
export const snowflakeDestination = defineDestination({
  id: 'snowflake',
  displayName: 'Snowflake',
  version: '1.0.0',
  apiVersion: DESTINATION_API_VERSION,
  description:
    'Loads events into Snowflake: array-bound inserts into RAW_EVENTS, then one MERGE into EVENTS in a transaction. VARIANT JSON, TIMESTAMP_NTZ in UTC.',
  config: snowflakeConfig,
  // snowflake-sdk is loaded on the first connect, not when the plugin is imported.
  connect: async (config, ctx) => {
    const { createSnowflakeConnection } = await import('./connection.ts');
    return createSnowflakeConnection(config, ctx);
  },
});

export default snowflakeDestination;

/** The snowflake-sdk connection options for a config (exported for tests). */
export function snowflakeConnectionOptions(config: SnowflakeDestinationConfig): ConnectionOptions {
  const options: ConnectionOptions = {
    account: config.account,
    username: config.username,
    warehouse: config.warehouse,
    database: config.database,
    application: 'Tributary',
    // The host owns retries: one login retry at most, and a bounded wait per HTTP request.
    sfRetryMaxLoginRetries: 1,
    timeout: config.timeoutSeconds * 1000,
    clientSessionKeepAlive: false,
  };
  if (config.role) options.role = config.role;
  if (config.accessUrl) options.accessUrl = config.accessUrl.replace(/\/$/, '');
  if (config.privateKey) {
    options.authenticator = 'SNOWFLAKE_JWT';
    options.privateKey = config.privateKey;
    if (config.privateKeyPassphrase) options.privateKeyPass = config.privateKeyPassphrase;
  } else {
    options.password = config.password;
  }
  return options;
}

import type { ConnectionOptions } from 'snowflake-sdk';
import { z } from 'zod';
import { ConfigError, DESTINATION_API_VERSION, defineDestination, secret, sqlIdentifier, target } from '@tributary/destination-sdk';

/** The sign-in choices; a config gives exactly one. */
const SIGN_IN_FIELDS = ['privateKey', 'programmaticAccessToken', 'oauthToken', 'password'] as const;
const SIGN_IN_CHOICES = `one of ${SIGN_IN_FIELDS.join(', ')}`;

const snowflakeConfig = z
  .object({
    account: target(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'an account identifier such as myorg-myaccount or xy12345.eu-west-1')).describe(
      'Account identifier (orgname-accountname, or the account locator with its region)',
    ),
    username: target(z.string().min(1)).describe('Login name of the user Tributary connects as'),
    privateKey: secret(z.string().includes('PRIVATE KEY'))
      .optional()
      .describe('Key-pair sign-in (SNOWFLAKE_JWT), the recommended choice: PEM private key (PKCS#8) whose public key is set on the user'),
    privateKeyPassphrase: secret(z.string().min(1)).optional().describe('Passphrase of an encrypted private key'),
    programmaticAccessToken: secret(z.string().min(1))
      .optional()
      .describe('Programmatic access token sign-in (PROGRAMMATIC_ACCESS_TOKEN); tokens expire, so rotate it before it does'),
    oauthToken: secret(z.string().min(1))
      .optional()
      .describe('OAuth sign-in (OAUTH) with an access token from Snowflake OAuth or your identity provider; it must be valid at each sync'),
    password: secret(z.string().min(1)).optional().describe('Password sign-in; Snowflake is phasing it out for service users'),
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
      .describe(
        'Longest wait for one statement, the driver’s own retries of 5xx/429 included; Snowflake cancels it then too (STATEMENT_TIMEOUT_IN_SECONDS) and the sync fails as retryable',
      ),
    fileSizeMb: z
      .number()
      .int()
      .min(1)
      .max(250)
      .default(128)
      .describe('Compressed size at which a staged load file is closed and the next begun; Snowflake recommends 100–250 MB'),
  })
  // At most one here; none is refused when connecting, because the host validates a config whose
  // credential it dropped (its target changed) without it until the credential is given again.
  .superRefine((config, ctx) => {
    const given = SIGN_IN_FIELDS.filter((field) => config[field] !== undefined);
    for (const field of given.slice(1)) ctx.addIssue({ code: 'custom', message: `give only ${SIGN_IN_CHOICES}`, path: [field] });
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
  version: '1.1.0',
  apiVersion: DESTINATION_API_VERSION,
  capabilities: { deleteDevices: true },
  description:
    'Loads events into Snowflake: zstd files PUT to the RAW_EVENTS table stage and loaded with one COPY INTO, then one MERGE into EVENTS bounded by the window’s event_time range. VARIANT JSON, TIMESTAMP_NTZ in UTC.',
  config: snowflakeConfig,
  // snowflake-sdk is loaded on the first connect, not when the plugin is imported.
  connect: async (config, ctx) => {
    const { createSnowflakeConnection } = await import('./connection.ts');
    return createSnowflakeConnection(config, ctx);
  },
});

export default snowflakeDestination;

/** The snowflake-sdk connection options for a config; a {@link ConfigError} when it has no sign-in. */
export function snowflakeConnectionOptions(config: SnowflakeDestinationConfig): ConnectionOptions {
  const options: ConnectionOptions = {
    account: config.account,
    username: config.username,
    warehouse: config.warehouse,
    database: config.database,
    // The current schema: the driver's own temporary stage (array binds past
    // CLIENT_STAGE_ARRAY_BINDING_THRESHOLD) needs one. Before `ensureTables` creates the schema
    // the session simply has none.
    schema: config.schema,
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
  } else if (config.programmaticAccessToken) {
    options.authenticator = 'PROGRAMMATIC_ACCESS_TOKEN';
    options.token = config.programmaticAccessToken;
  } else if (config.oauthToken) {
    options.authenticator = 'OAUTH';
    options.token = config.oauthToken;
  } else if (config.password) {
    options.password = config.password;
  } else {
    throw new ConfigError(`no sign-in: give ${SIGN_IN_CHOICES}`);
  }
  return options;
}

/**
 * The google-auth-library client for each sign-in choice of the BigQuery config. Loaded with the
 * connection (google-auth-library is a CommonJS package; it is the module instance
 * @google-cloud/bigquery uses).
 */
import { createRequire } from 'node:module';
import type * as GoogleAuthLibrary from 'google-auth-library';
import type { AuthClient } from 'google-auth-library';
import { ConfigError } from '@tributary/destination-sdk';
import { GOOGLE_IAM_CREDENTIALS, GOOGLE_STS_TOKEN_URL, parseExternalAccountConfig, parseServiceAccountKey } from './credentials.ts';
import type { BigqueryDestinationConfig } from './index.ts';

/** The scope of the token BigQuery receives. */
export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
/** The scope a token needs to call the IAM Credentials API (impersonation). */
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * The environment variable with which an operator lets destinations sign in as this server's
 * own Google identity (Application Default Credentials, workload identity federation).
 */
export const HOST_CREDENTIALS_ENV = 'TRIBUTARY_BIGQUERY_ALLOW_HOST_CREDENTIALS';

const requireLazily = createRequire(import.meta.url);
const library = () => requireLazily('google-auth-library') as typeof GoogleAuthLibrary;

/** The sign-in fields of the config. */
type SignIn = Pick<
  BigqueryDestinationConfig,
  'authentication' | 'serviceAccountKey' | 'workloadIdentityConfig' | 'impersonateServiceAccount' | 'stsEndpoint' | 'iamCredentialsEndpoint'
>;

/** Options that only the host (not the destination's config) decides. */
export interface AuthOptions {
  /**
   * Whether sign-ins that use this server's own identity (its environment: metadata server,
   * `GOOGLE_APPLICATION_CREDENTIALS`, a workload token file or URL, the AWS role it runs as) are
   * allowed. Default: `TRIBUTARY_BIGQUERY_ALLOW_HOST_CREDENTIALS=true`.
   */
  allowHostCredentials?: boolean;
}

/**
 * The service account key's client: a JWT client that signs its own access JWTs with the key
 * ("self-signed JWT", accepted by Google APIs for service accounts). It needs no token endpoint
 * and never looks for Application Default Credentials.
 */
export function serviceAccountAuthClient(keyText: string): GoogleAuthLibrary.JWT {
  const key = parseServiceAccountKey(keyText);
  if (typeof key === 'string') throw new ConfigError(`the service account key ${key}`);
  const client = new (library().JWT)({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes: [BIGQUERY_SCOPE],
  });
  client.useJWTAccessWithScope = true;
  if (key.universe_domain) client.universeDomain = key.universe_domain;
  return client;
}

/** Builds the auth client of a config. Sends nothing: tokens are fetched on the first request. */
export async function createAuthClient(config: SignIn, options: AuthOptions = {}): Promise<AuthClient> {
  if (config.authentication === 'serviceAccountKey') {
    if (!config.serviceAccountKey) throw new ConfigError('serviceAccountKey is required to sign in with a service account key');
    return serviceAccountAuthClient(config.serviceAccountKey);
  }
  const allowed = options.allowHostCredentials ?? process.env[HOST_CREDENTIALS_ENV] === 'true';
  if (!allowed) {
    throw new ConfigError(
      `${config.authentication} signs in as this server's own Google identity, which its operator has not allowed (${HOST_CREDENTIALS_ENV}=true)`,
    );
  }
  const scopes = [config.impersonateServiceAccount ? CLOUD_PLATFORM_SCOPE : BIGQUERY_SCOPE];
  const source = config.authentication === 'applicationDefault' ? await applicationDefault(scopes) : workloadIdentity(config, scopes);
  if (!config.impersonateServiceAccount) return source;
  return new (library().Impersonated)({
    sourceClient: source as GoogleAuthLibrary.OAuth2Client,
    targetPrincipal: config.impersonateServiceAccount,
    targetScopes: [BIGQUERY_SCOPE],
    lifetime: 3600,
    delegates: [],
    endpoint: config.iamCredentialsEndpoint ?? GOOGLE_IAM_CREDENTIALS,
  });
}

// Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, or the
// metadata server of the Google Cloud runtime the server runs on, in that order.
async function applicationDefault(scopes: string[]): Promise<AuthClient> {
  try {
    return (await new (library().GoogleAuth)({ scopes }).getClient()) as AuthClient;
  } catch (err) {
    throw new ConfigError(`no Application Default Credentials were found on this server: ${(err as Error).message}`, { cause: err });
  }
}

// Workload identity federation: the configuration's token source (a file, a URL, the AWS role)
// is exchanged at Google's STS for a federated token, then, when the configuration says so,
// for a service account's token.
function workloadIdentity(config: SignIn, scopes: string[]): AuthClient {
  const parsed = parseExternalAccountConfig(config.workloadIdentityConfig ?? '');
  if (typeof parsed === 'string') throw new ConfigError(`the workload identity configuration ${parsed}`);
  const iam = config.iamCredentialsEndpoint ?? GOOGLE_IAM_CREDENTIALS;
  const client = library().ExternalAccountClient.fromJSON({
    ...(parsed.raw as unknown as GoogleAuthLibrary.ExternalAccountClientOptions),
    token_url: config.stsEndpoint ?? GOOGLE_STS_TOKEN_URL,
    ...(parsed.impersonatedServiceAccount
      ? {
          service_account_impersonation_url: `${iam}/v1/projects/-/serviceAccounts/${parsed.impersonatedServiceAccount}:generateAccessToken`,
        }
      : {}),
    scopes,
  });
  if (!client) throw new ConfigError('the workload identity configuration is not an external_account configuration');
  return client;
}

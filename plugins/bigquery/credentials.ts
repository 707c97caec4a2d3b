/**
 * The sign-in material a user pastes into the BigQuery config, parsed and checked without
 * loading google-auth-library: a service account key file, and a workload identity federation
 * credential configuration ("external_account" file, as `gcloud iam workload-identity-pools
 * create-cred-config` writes it).
 *
 * google-auth-library warns that it does not validate credential configurations and that one
 * from an untrusted source must be checked before use: its URLs receive tokens. A configuration
 * is accepted here only when every token goes to Google (or to the endpoint overrides the host
 * allows for tests) and no program of this server is run for it.
 */
import { createPrivateKey } from 'node:crypto';

/** The fields of a service account key file the plugin uses. */
export interface ServiceAccountKey {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id?: string;
  universe_domain?: string;
}

/** Google's token exchange (STS) endpoint, the only `token_url` a credential configuration may name. */
export const GOOGLE_STS_TOKEN_URL = 'https://sts.googleapis.com/v1/token';
/** Google's IAM Service Account Credentials API root. */
export const GOOGLE_IAM_CREDENTIALS = 'https://iamcredentials.googleapis.com';

/**
 * A service account email (the account impersonated). It ends up in a URL path, so only the
 * characters service account ids and project ids use are accepted.
 */
export const SERVICE_ACCOUNT_EMAIL = /^[a-z0-9][a-z0-9._-]{0,62}@[a-z0-9][a-z0-9.-]*\.gserviceaccount\.com$/;

const IMPERSONATION_URL = /^https:\/\/iamcredentials\.googleapis\.com\/v1\/projects\/-\/serviceAccounts\/([^/:?#]+):generateAccessToken$/;
const WORKLOAD_POOL_AUDIENCE =
  /^\/\/iam\.googleapis\.com\/projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]+\/providers\/[a-z0-9-]+$/;

function parseObject(text: string, what: string): Record<string, unknown> | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `is not JSON (paste the whole ${what})`;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'is not a JSON object';
  return json as Record<string, unknown>;
}

/** The key, or why it is not a usable service account key (never echoing the key). */
export function parseServiceAccountKey(text: string): ServiceAccountKey | string {
  const key = parseObject(text, 'service account key file');
  if (typeof key === 'string') return key;
  if (key.type !== 'service_account') return 'is not a service account key ("type" must be "service_account")';
  if (typeof key.client_email !== 'string' || key.client_email === '') return 'has no client_email';
  if (typeof key.private_key !== 'string') return 'has no private_key';
  try {
    createPrivateKey(key.private_key);
  } catch {
    return 'has a private_key that is not a valid PEM private key';
  }
  return key as unknown as ServiceAccountKey;
}

/** A checked workload identity federation credential configuration. */
export interface ExternalAccountConfig {
  type: 'external_account';
  audience: string;
  subject_token_type: string;
  credential_source: Record<string, unknown>;
  /** The service account the federated identity impersonates, from `service_account_impersonation_url`. */
  impersonatedServiceAccount?: string;
  /** The rest of the file, passed to google-auth-library as it is. */
  raw: Record<string, unknown>;
}

/** The configuration, or why it is refused. */
export function parseExternalAccountConfig(text: string): ExternalAccountConfig | string {
  const config = parseObject(text, 'credential configuration file');
  if (typeof config === 'string') return config;
  if (config.type !== 'external_account') {
    return 'is not a workload identity federation credential configuration ("type" must be "external_account")';
  }
  if (typeof config.audience !== 'string' || !WORKLOAD_POOL_AUDIENCE.test(config.audience)) {
    return 'has no workload identity pool provider as "audience" (//iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)';
  }
  if (typeof config.subject_token_type !== 'string' || config.subject_token_type === '') return 'has no "subject_token_type"';
  if (config.token_url !== undefined && config.token_url !== GOOGLE_STS_TOKEN_URL) {
    return `names a "token_url" other than Google's (${GOOGLE_STS_TOKEN_URL}): tokens go to Google only`;
  }
  if (config.universe_domain !== undefined && config.universe_domain !== 'googleapis.com')
    return 'names another universe_domain than googleapis.com';
  if (config.client_secret !== undefined || config.workforce_pool_user_project !== undefined) {
    return 'is for a workforce pool or holds a client secret: use a workload identity pool, which needs neither';
  }
  let impersonatedServiceAccount: string | undefined;
  if (config.service_account_impersonation_url !== undefined) {
    const email = IMPERSONATION_URL.exec(String(config.service_account_impersonation_url))?.[1];
    if (!email || !SERVICE_ACCOUNT_EMAIL.test(decodeURIComponent(email))) {
      return `has a "service_account_impersonation_url" that is not ${GOOGLE_IAM_CREDENTIALS}/v1/projects/-/serviceAccounts/EMAIL:generateAccessToken`;
    }
    impersonatedServiceAccount = decodeURIComponent(email);
  }
  const source = config.credential_source;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return 'has no "credential_source"';
  const kinds = ['file', 'url', 'environment_id', 'certificate', 'executable'].filter(
    (k) => (source as Record<string, unknown>)[k] !== undefined,
  );
  if (kinds.includes('executable')) return 'runs an executable to get its token, which Tributary does not allow';
  if (kinds.length !== 1) return 'needs exactly one credential source: file, url, environment_id (AWS) or certificate';
  return {
    type: 'external_account',
    audience: config.audience,
    subject_token_type: config.subject_token_type,
    credential_source: source as Record<string, unknown>,
    impersonatedServiceAccount,
    raw: config,
  };
}

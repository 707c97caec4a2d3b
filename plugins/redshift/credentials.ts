// The AWS identity the Data API, S3 and STS calls are signed with, loaded by `connect`.
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { RedshiftDestinationConfig } from './index.ts';

/** AWS credentials: keys, optional session token and expiry. */
type AwsCredentialIdentity = Awaited<ReturnType<ReturnType<typeof fromNodeProviderChain>>>;
/** A function resolving {@link AwsCredentialIdentity}, as every AWS SDK client accepts. */
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

/** Renew assumed-role credentials this long before they expire, so no call carries stale ones. */
const RENEW_BEFORE_MS = 5 * 60_000;

/** Assumed-role sessions last an hour: longer than any load step, the default maximum of a role. */
const ROLE_SESSION_SECONDS = 3_600;

/**
 * One credential provider for every client of a connection:
 * - static keys when the config has them, else the AWS default chain (environment, shared
 *   profile, web identity token, ECS container or EC2 instance role) of the server process;
 * - then, with `roleArn`, STS AssumeRole (with `externalId`) on top of those.
 * Resolved at most once per validity period and shared, so a load assumes its role once
 * however many clients sign with it.
 */
export function redshiftCredentials(config: RedshiftDestinationConfig): AwsCredentialIdentityProvider {
  const stsClientConfig = { region: config.region, ...(config.stsEndpoint ? { endpoint: config.stsEndpoint } : {}) };
  const base: AwsCredentialIdentity | AwsCredentialIdentityProvider = config.accessKeyId
    ? {
        accessKeyId: config.accessKeyId,
        secretAccessKey: config.secretAccessKey ?? '',
        ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
      }
    : fromNodeProviderChain({ clientConfig: stsClientConfig });
  if (!config.roleArn) return typeof base === 'function' ? shared(base) : async () => base;
  return shared(
    fromTemporaryCredentials({
      params: {
        RoleArn: config.roleArn,
        RoleSessionName: 'tributary',
        DurationSeconds: ROLE_SESSION_SECONDS,
        ...(config.externalId ? { ExternalId: config.externalId } : {}),
      },
      masterCredentials: base,
      clientConfig: stsClientConfig,
    }),
  );
}

// Caches the identity until shortly before it expires; a failed resolution is not cached.
function shared(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    const current = pending ? await pending.catch(() => undefined) : undefined;
    if (current && (!current.expiration || current.expiration.getTime() - Date.now() > RENEW_BEFORE_MS)) return current;
    pending = provider();
    return pending;
  };
}

import { z } from 'zod';
import { DESTINATION_API_VERSION, defineDestination, secret, sqlIdentifier, target } from '@tributary/destination-sdk';

const AWS_REGION = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1');
const ROLE_ARN = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'an IAM role ARN such as arn:aws:iam::123456789012:role/tributary');
const HTTP_URL = z.url({ protocol: /^https?$/ });

const redshiftConfig = z
  .object({
    region: target(AWS_REGION).describe('AWS region of the cluster or workgroup'),
    clusterIdentifier: target(z.string().min(1)).optional().describe('Provisioned cluster identifier (or give workgroupName)'),
    workgroupName: target(z.string().min(1)).optional().describe('Redshift Serverless workgroup name or ARN (or give clusterIdentifier)'),
    database: target(z.string().min(1)).describe('Database name'),
    dbUser: target(z.string().min(1))
      .optional()
      .describe(
        'Provisioned clusters: database user to sign in as with temporary credentials (GetClusterCredentials). Leave out, with secretArn, to sign in as the IAM identity itself',
      ),
    secretArn: target(z.string().startsWith('arn:'))
      .optional()
      .describe('Secrets Manager ARN holding a database user name and password (instead of IAM sign-in)'),
    accessKeyId: secret(z.string().min(16))
      .optional()
      .describe(
        'Static AWS access key id. Leave out to use the server’s AWS default credential chain (environment, shared profile, web identity, ECS or EC2 role)',
      ),
    secretAccessKey: secret(z.string().min(1)).optional().describe('Secret access key of accessKeyId'),
    sessionToken: secret(z.string().min(1)).optional().describe('Session token, for temporary static credentials'),
    roleArn: target(ROLE_ARN).optional().describe('IAM role to assume (STS AssumeRole) with the credentials above before every call'),
    externalId: target(z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, '2 to 1,224 characters of letters, digits and +=,.@:/-'))
      .optional()
      .describe('External id the role’s trust policy requires (sts:ExternalId)'),
    s3Bucket: target(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name')).describe(
      'S3 bucket the load files are staged in before COPY; they are deleted after each load',
    ),
    s3Prefix: target(z.string().regex(/^([\w!\-.*'()]+\/)*$/, 'empty, or key segments each ending in /, such as tributary/'))
      .default('tributary/')
      .describe('Key prefix of the load files inside the bucket (ends with /)'),
    s3Region: target(AWS_REGION).optional().describe('Region of the bucket, when it is not the cluster’s region'),
    iamRoleArn: target(ROLE_ARN).describe('IAM role associated with the cluster or workgroup that COPY uses to read the bucket (IAM_ROLE)'),
    schema: sqlIdentifier.default('tributary').describe('Schema holding the Tributary tables; created if missing'),
    endpoint: target(HTTP_URL, { kind: 'url', override: true })
      .optional()
      .describe('Override of the Data API endpoint (VPC endpoint, tests)'),
    s3Endpoint: target(HTTP_URL, { kind: 'url', override: true })
      .optional()
      .describe('Override of the S3 endpoint (VPC endpoint, tests); path-style addressing'),
    stsEndpoint: target(HTTP_URL, { kind: 'url', override: true })
      .optional()
      .describe('Override of the STS endpoint used to assume roles (VPC endpoint, tests)'),
    filesPerLoad: z
      .number()
      .int()
      .min(1)
      .max(128)
      .default(16)
      .describe('Compressed files each load is split into; a multiple of the cluster’s slices lets every slice load in parallel'),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(900)
      .describe('Longest wait for one statement before the sync fails as retryable'),
    pollInitialMs: z.number().int().min(1).max(10_000).default(100).describe('First DescribeStatement poll delay; doubles up to pollMaxMs'),
    pollMaxMs: z.number().int().min(1).max(60_000).default(2_000).describe('Longest delay between DescribeStatement polls'),
  })
  .refine((c) => (c.clusterIdentifier === undefined) !== (c.workgroupName === undefined), {
    message: 'give exactly one of clusterIdentifier or workgroupName',
    path: ['clusterIdentifier'],
  })
  .refine((c) => c.dbUser === undefined || c.secretArn === undefined, { message: 'give dbUser or secretArn, not both', path: ['dbUser'] })
  .refine((c) => c.dbUser === undefined || c.clusterIdentifier !== undefined, {
    message: 'dbUser works with a provisioned cluster only; a workgroup signs in as the IAM identity, or with secretArn',
    path: ['dbUser'],
  })
  .refine((c) => (c.accessKeyId === undefined) === (c.secretAccessKey === undefined), {
    message: 'give accessKeyId and secretAccessKey together, or neither to use the default credential chain',
    path: ['accessKeyId'],
  })
  .refine((c) => c.sessionToken === undefined || c.accessKeyId !== undefined, {
    message: 'sessionToken goes with accessKeyId',
    path: ['sessionToken'],
  })
  .refine((c) => c.externalId === undefined || c.roleArn !== undefined, { message: 'externalId goes with roleArn', path: ['externalId'] });

/** The parsed configuration of the Redshift destination. */
export type RedshiftDestinationConfig = z.output<typeof redshiftConfig>;

/** Amazon Redshift (provisioned or Serverless): files on S3, COPY and a merge through the Data API. */
export const redshiftDestination = defineDestination({
  id: 'redshift',
  displayName: 'Amazon Redshift',
  version: '2.0.0',
  apiVersion: DESTINATION_API_VERSION,
  capabilities: { deleteDevices: true },
  description:
    'Loads events into Redshift or Redshift Serverless: zstd JSON files staged on S3, then one Data API transaction that COPYs them into raw_events and merges into events. SUPER JSON, TIMESTAMPTZ.',
  config: redshiftConfig,
  // The AWS SDK is loaded on the first connect, not when the plugin is imported.
  connect: async (config, ctx) => {
    const { createRedshiftConnection } = await import('./connection.ts');
    return createRedshiftConnection(config, ctx);
  },
});

export default redshiftDestination;

import { z } from 'zod';
import { DESTINATION_API_VERSION, defineDestination, secret, sqlIdentifier, target } from '../sdk/index.ts';

const redshiftConfig = z
  .object({
    region: target(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')).describe('AWS region of the cluster or workgroup'),
    clusterIdentifier: target(z.string().min(1)).optional().describe('Provisioned cluster identifier (or give workgroupName)'),
    workgroupName: target(z.string().min(1)).optional().describe('Redshift Serverless workgroup name or ARN (or give clusterIdentifier)'),
    database: target(z.string().min(1)).describe('Database name'),
    dbUser: target(z.string().min(1)).optional().describe('Database user for temporary credentials (provisioned clusters only)'),
    secretArn: target(z.string().startsWith('arn:')).optional().describe('Secrets Manager ARN holding the database credentials'),
    accessKeyId: secret(z.string().min(16)).describe('AWS access key id of the IAM user or role session Tributary uses'),
    secretAccessKey: secret(z.string().min(1)).describe('AWS secret access key'),
    sessionToken: secret(z.string().min(1)).optional().describe('Session token, for temporary AWS credentials'),
    schema: sqlIdentifier.default('tributary').describe('Schema holding the Tributary tables; created if missing'),
    endpoint: target(z.url({ protocol: /^https?$/ }), { kind: 'url', override: true }).optional().describe('Override of the Data API endpoint (VPC endpoint, tests)'),
    timeoutSeconds: z.number().int().min(1).max(86_400).default(900).describe('Longest wait for one statement before the sync fails as retryable'),
    pollInitialMs: z.number().int().min(1).max(10_000).default(100).describe('First DescribeStatement poll delay; doubles up to pollMaxMs'),
    pollMaxMs: z.number().int().min(1).max(60_000).default(2_000).describe('Longest delay between DescribeStatement polls'),
  })
  .refine((c) => (c.clusterIdentifier === undefined) !== (c.workgroupName === undefined), {
    message: 'give exactly one of clusterIdentifier or workgroupName',
    path: ['clusterIdentifier'],
  })
  .refine((c) => c.dbUser === undefined || c.secretArn === undefined, { message: 'give dbUser or secretArn, not both', path: ['dbUser'] })
  .refine((c) => c.dbUser === undefined || c.clusterIdentifier !== undefined, {
    message: 'dbUser works with a provisioned cluster only; use secretArn (or IAM) with a workgroup',
    path: ['dbUser'],
  })
  .refine((c) => c.workgroupName !== undefined || c.dbUser !== undefined || c.secretArn !== undefined, {
    message: 'a cluster needs dbUser or secretArn',
    path: ['dbUser'],
  });

/** The parsed configuration of the Redshift destination. */
export type RedshiftDestinationConfig = z.output<typeof redshiftConfig>;

/** Amazon Redshift (provisioned or Serverless), through the Redshift Data API. */
export const redshiftDestination = defineDestination({
  id: 'redshift',
  displayName: 'Amazon Redshift',
  version: '1.0.0',
  apiVersion: DESTINATION_API_VERSION,
  description:
    'Loads events into Redshift or Redshift Serverless through the Data API: multi-row inserts into raw_events, then one transactional batch merging into events. SUPER JSON, TIMESTAMPTZ.',
  config: redshiftConfig,
  // The AWS SDK is loaded on the first connect, not when the plugin is imported.
  connect: async (config, ctx) => {
    const { createRedshiftConnection } = await import('./connection.ts');
    return createRedshiftConnection(config, ctx);
  },
});

export default redshiftDestination;

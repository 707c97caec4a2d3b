import type { KeyResolver } from '../auth/api-keys.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Deletions } from '../lifecycle/deletions.ts';
import type { EventWriter } from '../processing/writer.ts';
import type { UserAgentParser } from '../processing/user-agent.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { SegmentDevices } from './segment/devices.ts';

export interface CaptureDeps {
  config: Config;
  db: Database;
  /** Epoch ms of "now": capture times and the limits on event times (tests simulate days with it). */
  clock: () => number;
  keys: KeyResolver;
  writer: EventWriter;
  parseUserAgent: UserAgentParser;
  rateLimiter: RateLimiter;
  log: Logger;
  metrics: Pick<Metrics, 'captureRequest' | 'captureRefused' | 'captureEvents'>;
  /** Deletion requests: DELETE /v2/users takes the path of GraphQL `requestDeletion`. */
  deletions: Deletions;
  /** Devices of Segment-shaped anonymousIds, and the per-device locks of server-side sessions. */
  segmentDevices: SegmentDevices;
}

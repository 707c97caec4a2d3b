import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { devicesOfUser, recordDeletion, type DeletionRequestRecord } from '../db/queries/deletions.ts';
import { listDestinations } from '../db/queries/destinations.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { deviceIdForUser, parseInt64 } from '../events/ids.ts';

/**
 * Deletion requests (issue #14): a person's rows leave the store at once, and every destination
 * the organization has deletes them at its next sync, in the transaction of its load (its plugin
 * must declare `capabilities.deleteDevices`; one that cannot is reported, never skipped). The
 * devices' past never comes back: events of theirs timed before the request are dropped at
 * capture (replays, late events), and with `suppress` every later one too.
 */
export function createDeletions(deps: { db: Database; registry: PluginRegistry; clock: () => number }) {
  const { db, registry } = deps;
  return {
    async request(
      orgId: string,
      requestedBy: string,
      input: { userId?: string | null; deviceId?: string | null; suppress?: boolean | null },
    ): Promise<DeletionRequestRecord> {
      const userId = input.userId ?? undefined;
      const deviceIdInput = input.deviceId ?? undefined;
      if ((userId === undefined) === (deviceIdInput === undefined)) {
        throw new ValidationError('INVALID_SUBJECT', 'give userId or deviceId, one of them', 'userId');
      }
      let deviceIds: string[];
      if (deviceIdInput !== undefined) {
        const id = parseInt64(deviceIdInput);
        if (!id) throw new ValidationError('INVALID_DEVICE_ID', 'deviceId must be a positive int64 (a decimal string)', 'deviceId');
        deviceIds = [id];
      } else {
        if (userId!.length === 0 || userId!.length > 256 || userId!.includes('\u0000')) {
          throw new ValidationError('INVALID_USER_ID', 'userId must be 1 to 256 characters', 'userId');
        }
        // every device the user was identified on, and the one the server API derives for them
        deviceIds = [...new Set([...(await devicesOfUser(db, orgId, userId!)), deviceIdForUser(orgId, userId!)])];
      }
      const destinations = (await listDestinations(db, orgId)).map((d) => ({
        id: d.id,
        supported: registry.get(d.pluginId)?.definition.capabilities?.deleteDevices === true,
      }));
      return db.transaction((tx) =>
        recordDeletion(tx, {
          orgId,
          subjectKind: userId !== undefined ? 'user' : 'device',
          subject: userId ?? deviceIds[0]!,
          deviceIds,
          suppress: input.suppress ?? false,
          requestedBy,
          requestedTime: new Date(deps.clock()),
          destinations,
        }),
      );
    },
  };
}
export type Deletions = ReturnType<typeof createDeletions>;

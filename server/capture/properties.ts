import { NAVIGATE_REASONS } from '../events/event-types.ts';
import { isObject, reject, type Rejection } from './limits.ts';

const RESERVED_KEYS = new Set(['event_definition_id', 'additional_event_definition_ids', 'target']);

/**
 * Puts client properties in their `event_properties` shape: custom events keep their own
 * properties under `properties` (so they never collide with Tributary's keys), identify events
 * carry `user_*`, other types keep their measurements at the root.
 */
export function shapeProperties(type: string, properties: Record<string, unknown>): Record<string, unknown> | Rejection {
  if (type === 'custom') {
    const { event_name, ...rest } = properties;
    if (typeof event_name !== 'string' || event_name.length === 0 || event_name.length > 256) {
      return reject('MISSING_FIELD', 'a custom event needs properties.event_name (1 to 256 characters)');
    }
    return { event_name, properties: rest };
  }
  if (type === 'identify') {
    const { user_id, user_email, user_display_name, user_properties } = properties;
    if (typeof user_id !== 'string' || user_id.length === 0 || user_id.length > 256) {
      return reject('MISSING_FIELD', 'an identify event needs properties.user_id (1 to 256 characters)');
    }
    if (user_properties !== undefined && !isObject(user_properties)) return reject('INVALID_FIELD', 'user_properties must be an object');
    return {
      user_id,
      user_email: typeof user_email === 'string' ? user_email : null,
      user_display_name: typeof user_display_name === 'string' ? user_display_name : null,
      user_properties: user_properties ?? {},
    };
  }
  const shaped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) if (!RESERVED_KEYS.has(key)) shaped[key] = value;
  if (type === 'navigate') {
    const reason = shaped.navigate_reason ?? 'navigate';
    if (typeof reason !== 'string' || !NAVIGATE_REASONS.has(reason)) {
      return reject('INVALID_FIELD', 'navigate_reason must be navigate, reload, back_forward or prerender');
    }
    shaped.navigate_reason = reason;
  }
  return shaped;
}

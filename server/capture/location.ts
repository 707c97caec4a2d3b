import type { IncomingMessage } from 'node:http';

/** `source_properties.location` from headers a trusted proxy sets (Cloudflare / generic). */
export function locationFromHeaders(req: IncomingMessage): Record<string, unknown> | undefined {
  const h = req.headers;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ip = first(h['x-forwarded-for'])?.split(',')[0]?.trim() ?? first(h['x-real-ip']);
  const country = first(h['cf-ipcountry']) ?? first(h['x-geo-country']);
  const region = first(h['x-geo-region']);
  const city = first(h['cf-ipcity']) ?? first(h['x-geo-city']);
  const lat = first(h['cf-iplatitude']) ?? first(h['x-geo-latitude']);
  const lon = first(h['cf-iplongitude']) ?? first(h['x-geo-longitude']);
  const location: Record<string, unknown> = {};
  if (ip) location.ip_address = ip;
  if (country) location.country = country;
  if (region) location.region = region;
  if (city) location.city = city;
  if (lat && lon) location.lat_long = `${lat},${lon}`;
  return Object.keys(location).length > 0 ? location : undefined;
}

import { UAParser } from 'ua-parser-js';

export interface ParsedUserAgent {
  raw_user_agent: string;
  device: 'Desktop' | 'Mobile' | 'Tablet' | 'Other';
  operating_system: string | null;
  operating_system_version: string | null;
  browser: string | null;
  browser_version: string | null;
}

const BOT = /bot|crawl|spider|slurp|headless/i;

/**
 * Parses user agents with ua-parser-js, memoised: a capture batch repeats one user agent for all
 * its events, and a site sees few distinct ones.
 */
export function createUserAgentParser(maxEntries = 5_000) {
  const cache = new Map<string, ParsedUserAgent>();
  return (raw: string): ParsedUserAgent => {
    const hit = cache.get(raw);
    if (hit) return hit;
    const result = new UAParser(raw).getResult();
    const type = result.device.type;
    const parsed: ParsedUserAgent = {
      raw_user_agent: raw,
      device: type === 'mobile' ? 'Mobile' : type === 'tablet' ? 'Tablet' : BOT.test(raw) || type ? 'Other' : 'Desktop',
      operating_system: result.os.name ?? null,
      operating_system_version: result.os.version ?? null,
      browser: result.browser.name ?? null,
      browser_version: result.browser.version ?? null,
    };
    if (cache.size >= maxEntries) cache.clear();
    cache.set(raw, parsed);
    return parsed;
  };
}
export type UserAgentParser = ReturnType<typeof createUserAgentParser>;

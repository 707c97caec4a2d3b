/**
 * Tests that need something outside Node (a real Postgres, Chromium, the BigQuery emulator…)
 * skip locally with a message when it is missing. CI sets TRIBUTARY_REQUIRE_ALL=1, which turns
 * every such skip into a failure, so nothing is skipped silently there.
 */
export function requirement(name: string, available: boolean, howToProvide: string): boolean {
  if (available) return true;
  const message = `${name} is not available: ${howToProvide}`;
  if (process.env.TRIBUTARY_REQUIRE_ALL === '1') {
    throw new Error(`TRIBUTARY_REQUIRE_ALL=1 but ${message}`);
  }
  console.warn(`[skip] ${message}`);
  return false;
}

/** The Postgres used by tests that need a real server (never PGlite). Must name a test database. */
export function testPostgresUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  if (!url) return undefined;
  const dbName = new URL(url).pathname.slice(1);
  if (!/test/.test(dbName)) {
    throw new Error(`refusing to run tests against database "${dbName}": its name must contain "test"`);
  }
  return url;
}

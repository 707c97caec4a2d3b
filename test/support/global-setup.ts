import { openPostgres } from '../../server/db/client.ts';
import { testPostgresUrl } from './requirements.ts';

/** Applies the migrations once before test files run in parallel against the shared test database. */
export default async function setup() {
  const url = testPostgresUrl();
  if (!url) {
    console.warn('[info] DATABASE_URL is not set: integration tests run on embedded PGlite');
    return;
  }
  const db = await openPostgres(url, { max: 1 });
  await db.close();
}

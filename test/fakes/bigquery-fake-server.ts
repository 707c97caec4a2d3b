/**
 * Runs the BigQuery fake as its own process (for the benchmark, or to point a script at it):
 *
 *   npx tsx test/fakes/bigquery-fake-server.ts     # prints {"url":"http://127.0.0.1:PORT"}
 *
 * It accepts the static token `fake`; `GET /_fake/stats` returns request counters.
 */
import { startBigqueryFake } from './bigquery-fake.ts';

const fake = await startBigqueryFake({ projectId: process.env.BQ_FAKE_PROJECT ?? 'test-proj' });
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
const stop = () => {
  void fake.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

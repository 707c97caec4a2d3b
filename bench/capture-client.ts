/**
 * The load generator of bench/capture.ts, in its own process: several concurrent clients, each
 * posting SDK-like batches (a realistic mix of event types) to the native capture endpoint, or
 * analytics.js-like batches to the Segment-shaped `POST /v1/batch`.
 * Started by bench/capture.ts with fork(); reports progress and its CPU time by IPC.
 */
import http from 'node:http';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PATHS = ['/', '/products', '/products/42', '/cart', '/checkout', '/signup'];

/** One SDK-like batch: a page view with clicks, changes, a load, custom events and sometimes an identify. */
export function makeBatch(client: number, request: number, size: number) {
  const device = String(1_000_000 + client * 100_000 + Math.floor(request / 20));
  const view = String(10_000_000 + client * 1_000_000 + request);
  const start = Date.now() - 3_600_000 + request * 1000;
  const events = [];
  for (let i = 0; i < size; i++) {
    const time = start + i * 10;
    const base = { id: `${view}-${i}`, seq: i, view_id: view, time };
    const kind =
      i === 0 ? 'navigate' : i % 10 === 1 ? 'load' : i % 10 < 6 ? 'click' : i % 10 < 8 ? 'change' : i % 20 === 9 ? 'identify' : 'custom';
    if (kind === 'navigate')
      events.push({
        ...base,
        type: 'navigate',
        url: `https://shop.example${PATHS[request % PATHS.length]}?utm_source=news#top`,
        properties: { navigate_reason: 'navigate' },
      });
    else if (kind === 'load')
      events.push({
        ...base,
        type: 'load',
        properties: { load_time_millis: 800 + (i % 300), dom_content_time_millis: 400, time_to_first_byte_millis: 90 },
      });
    else if (kind === 'click' || kind === 'change') {
      events.push({
        ...base,
        type: kind,
        target: {
          text: kind === 'change' ? '****' : 'Add to cart',
          masked: kind === 'change',
          path: [
            { tag: 'button', id: `add-${i}`, classes: ['btn', 'add-to-cart'], attrs: { type: 'button', 'data-product': String(i) } },
            { tag: 'article', classes: ['product'] },
            { tag: 'main', id: 'app' },
            { tag: 'body' },
            { tag: 'html' },
          ],
        },
      });
    } else if (kind === 'identify')
      events.push({
        ...base,
        type: 'identify',
        properties: { user_id: `user-${device}`, user_email: `u${device}@example.com`, user_properties: { plan: 'pro' } },
      });
    else
      events.push({ ...base, type: 'custom', properties: { event_name: 'Added to cart', product_id: i, price: 19.99, currency: 'EUR' } });
  }
  return {
    sdk: { name: 'tributary-web', version: '0.1.0' },
    device_id: device,
    session_id: String(5_000 + client),
    context: { user_agent: UA, initial_referrer: 'https://www.google.com/' },
    events,
  };
}

/**
 * The same visit as a Segment library batch (what analytics.js sends with batching on): a page
 * call, then track calls with their page context, and sometimes an identify; one device
 * (anonymousId) per 20 requests of a client, as makeBatch.
 */
export function makeSegmentBatch(client: number, request: number, size: number) {
  const anonymousId = `anon-${client}-${Math.floor(request / 20)}`;
  const start = Date.now() - 3_600_000 + request * 1000;
  const url = `https://shop.example${PATHS[request % PATHS.length]}?utm_source=news#top`;
  const context = {
    library: { name: 'analytics.js', version: 'npm:next-1.84.3' },
    page: { url, path: PATHS[request % PATHS.length], title: 'Shop', referrer: 'https://www.google.com/', search: '?utm_source=news' },
    userAgent: UA,
    locale: 'en-US',
    campaign: { source: 'news' },
  };
  const batch = [];
  for (let i = 0; i < size; i++) {
    const base = { messageId: `ajs-${client}-${request}-${i}`, anonymousId, timestamp: new Date(start + i * 10).toISOString(), context };
    if (i === 0) batch.push({ ...base, type: 'page', name: 'Shop', properties: { url, path: PATHS[request % PATHS.length] } });
    else if (i % 20 === 9)
      batch.push({
        ...base,
        type: 'identify',
        userId: `user-${anonymousId}`,
        traits: { email: `${anonymousId}@example.com`, plan: 'pro' },
      });
    else batch.push({ ...base, type: 'track', event: 'Added to cart', properties: { product_id: i, price: 19.99, currency: 'EUR' } });
  }
  return { batch, sentAt: new Date().toISOString() };
}

interface Job {
  url: string;
  key: string;
  protocol: 'native' | 'segment';
  clients: number;
  perRequest: number;
  requestsPerClient: number;
}

async function run(job: Job): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.clients });
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      // Segment libraries send their write key as HTTP Basic credentials
      const authorization = job.protocol === 'segment' ? `Basic ${Buffer.from(`${job.key}:`).toString('base64')}` : `Bearer ${job.key}`;
      const req = http.request(
        job.url,
        { method: 'POST', agent, headers: { authorization, 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`capture answered ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const cpu = process.cpuUsage();
  const total = job.clients * job.requestsPerClient;
  let done = 0;
  let quarter = 1;
  await Promise.all(
    Array.from({ length: job.clients }, async (_, client) => {
      for (let r = 0; r < job.requestsPerClient; r++) {
        await post(
          JSON.stringify(job.protocol === 'segment' ? makeSegmentBatch(client, r, job.perRequest) : makeBatch(client, r, job.perRequest)),
        );
        if (++done >= (quarter * total) / 4 && quarter <= 4) {
          quarter++;
          process.send!({ type: 'quarter' });
        }
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  agent.destroy();
  process.send!({ type: 'done', cpuMicros: used.user + used.system });
}

process.once('message', (job: Job) => {
  run(job).catch((error: unknown) => process.send!({ type: 'error', error: String(error) }));
});

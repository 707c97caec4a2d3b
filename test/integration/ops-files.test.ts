import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { parseScrape, type Family } from '../support/prometheus.ts';

// Issue #16: the alert rules, the dashboard and docs/operations.md name metrics the server
// really exports (a renamed metric fails here, not silently in someone's Grafana).

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const METRIC = /\b(?:tributary|process|nodejs)_[a-z0-9_]+\b/g;
const KEY = 'ops-files-metrics-key-0123456789';

let t: TestApp;
let scrape: Map<string, Family>;
beforeAll(async () => {
  t = await startTestApp({ env: { TRIBUTARY_METRICS_KEY: KEY } });
  await t.capture('61', '1', [{ time: Date.now(), type: 'custom', properties: { event_name: 'x' } }]);
  scrape = parseScrape(await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text());
});
afterAll(() => t.close());

/** Whether a series name is in the scrape: a family, or a histogram's _bucket, _sum or _count. */
function exported(name: string): boolean {
  if (scrape.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && scrape.get(base)?.type === 'histogram';
}

describe('ops files', () => {
  it.each(['ops/prometheus/tributary-alerts.yml', 'ops/grafana/tributary-dashboard.json', 'docs/operations.md'])(
    '%s names only exported metrics',
    (file) => {
      const names = [...new Set(read(file).match(METRIC) ?? [])];
      expect(names.length).toBeGreaterThan(file.endsWith('.md') ? 15 : 8);
      expect(names.filter((n) => !exported(n))).toEqual([]);
    },
  );

  it('documents every metric of its own, and the dashboard is a Grafana dashboard with queries', () => {
    const own = [...scrape.keys()].filter((n) => n.startsWith('tributary_'));
    expect(own.length).toBeGreaterThan(10);
    const doc = read('docs/operations.md');
    expect(own.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
    const dashboard = JSON.parse(read('ops/grafana/tributary-dashboard.json')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.length).toBeGreaterThan(8);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    const rules = read('ops/prometheus/tributary-alerts.yml');
    expect(rules.match(/^\s+- alert: \w+$/gm)?.length).toBeGreaterThan(8);
  });
});

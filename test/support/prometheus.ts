/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), written against the
 * format's description rather than with prom-client, so a scrape is checked by something other
 * than what wrote it. Throws on any line it does not understand.
 */

export interface Family {
  type: string;
  help: string;
  /** Sample lines in order: the family's own name or its _bucket / _sum / _count series. */
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

export function parseScrape(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { type: 'untyped', help: '', samples: [] }));
    return f;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') family(meta[2]!).type = meta[3]!;
      else family(meta[2]!).help = meta[3]!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    if (labelText) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < labelText.length) {
        const m = LABEL.exec(labelText);
        if (!m) throw new Error(`bad labels: ${line}`);
        labels[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`bad value: ${line}`);
    const base =
      /_(bucket|sum|count)$/.test(name) && families.get(name.replace(/_(bucket|sum|count)$/, ''))?.type === 'histogram'
        ? name.replace(/_(bucket|sum|count)$/, '')
        : name;
    family(base).samples.push({ name, labels, value });
  }
  return families;
}

/**
 * The value of the sample of `name` whose labels include `labels` (a counter or gauge), or of a
 * histogram's `_count` series; 0 when there is none. For a histogram's sum ask for `name_sum`.
 */
export function sampleOf(scrape: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const base = name.replace(/_(sum|count)$/, '');
  const f = scrape.get(name) ?? scrape.get(base);
  if (!f) return 0;
  const series = f.type === 'histogram' && name === base ? `${name}_count` : name;
  const matches = (s: Family['samples'][number]) => s.name === series && Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  return f.samples.find(matches)?.value ?? 0;
}

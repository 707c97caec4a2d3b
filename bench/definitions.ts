/**
 * Micro-benchmark of definition matching: 200 page, 200 element and 200 event definitions,
 * 100,000 realistic events (navigations with SPA routes, clicks deep in the DOM, custom events).
 * Prints events/s with the definitions and against a baseline with none.
 *
 *   npx tsx bench/definitions.ts [events]
 */
import {
  compileDefinitions,
  matchDefinitions,
  parseUrlParts,
  type CapturedElement,
  type CompiledDefinitions,
  type EventToMatch,
  type PageDefinitionInput,
  type ElementDefinitionInput,
  type EventDefinitionInput,
} from '../server/definitions/index.ts';

const EVENT_COUNT = Number(process.argv[2] ?? 100_000);
const DEFINITIONS_PER_KIND = 200;

/** Deterministic PRNG (mulberry32) so every run measures the same events. */
function createRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = createRandom(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (max: number): number => Math.floor(random() * max);

const sections = ['products', 'category', 'blog', 'docs', 'account', 'checkout', 'cart', 'search', 'help', 'pricing'];
const hosts = ['shop.example', 'www.shop.example', 'eu.shop.example', 'docs.shop.example', 'blog.shop.example'];
const classes = [
  'btn',
  'primary',
  'secondary',
  'cta',
  'card',
  'nav-link',
  'icon',
  'large',
  'row',
  'col',
  'header',
  'footer',
  'modal',
  'list-item',
];
const eventNames = Array.from({ length: 100 }, (_, i) => `Event ${i}`);

function pageDefinitions(): PageDefinitionInput[] {
  const pages: PageDefinitionInput[] = [];
  for (let i = 0; i < DEFINITIONS_PER_KIND - 1; i++) {
    const section = sections[i % sections.length] ?? 'x';
    const shape = i % 5;
    const rule =
      shape === 0
        ? { host: 'shop.example', path: `/${section}/${i}/*` }
        : shape === 1
          ? { host: '*.shop.example', path: `/${section}/${i}/**` }
          : shape === 2
            ? { path: `/${section}/${i}`, fragment: `/step-${i % 4}` }
            : shape === 3
              ? { path: `/${section}/**`, query: [{ key: 'variant', op: 'equals', value: `v${i}` }] }
              : { host: pick(hosts), path: `/${section}/${i}/**/edit` };
    pages.push({ id: `pd_${String(i).padStart(3, '0')}`, priority: i, rule });
  }
  pages.push({ id: 'pd_other', priority: 10_000, rule: { path: '/**' } });
  return pages;
}

function elementDefinitions(): ElementDefinitionInput[] {
  const shapes = [
    (i: number) => `#el-${i}`,
    () => `.${pick(classes)}.${pick(classes)}`,
    (i: number) => `button.${pick(classes)}[data-testid="t${i}"]`,
    (i: number) => `form#form-${i % 20} button`,
    () => `nav a[href^="/${pick(sections)}"]`,
    () => `:is(a, button).${pick(classes)}:not(.disabled)`,
    (i: number) => `main section.s${i % 30} > div .${pick(classes)}`,
    (i: number) => `[data-track="track-${i}"]`,
  ];
  return Array.from({ length: DEFINITIONS_PER_KIND }, (_, i) => ({
    id: `el_${String(i).padStart(3, '0')}`,
    rule:
      i % 10 === 0
        ? { selector: (shapes[i % shapes.length] ?? shapes[0]!)(i), pageDefinitionId: `pd_${String(i).padStart(3, '0')}` }
        : { selector: (shapes[i % shapes.length] ?? shapes[0]!)(i) },
  }));
}

function eventDefinitions(): EventDefinitionInput[] {
  const events: EventDefinitionInput[] = [];
  for (let i = 0; i < DEFINITIONS_PER_KIND; i++) {
    const id = `ed_${String(i).padStart(3, '0')}`;
    const shape = i % 10;
    const rule =
      shape < 4
        ? { eventType: 'custom', properties: [{ path: 'event_name', op: 'equals', value: pick(eventNames) }] }
        : shape === 4
          ? {
              eventType: 'custom',
              properties: [
                { path: 'event_name', op: 'equals', value: pick(eventNames) },
                { path: 'revenue', op: 'gt', value: 50 },
              ],
            }
          : shape === 5
            ? { eventType: 'click', elementDefinitionId: `el_${String(int(DEFINITIONS_PER_KIND)).padStart(3, '0')}` }
            : shape === 6
              ? { eventType: 'navigate', pageDefinitionId: `pd_${String(int(DEFINITIONS_PER_KIND - 1)).padStart(3, '0')}` }
              : shape === 7
                ? { eventType: 'custom', properties: [{ path: 'plan', op: 'regex', value: `^(pro|team)-${i}$` }] }
                : shape === 8
                  ? { properties: [{ path: 'target.text', op: 'contains', value: `Buy ${i}` }] }
                  : {
                      eventType: 'custom',
                      properties: [
                        { path: 'coupon', op: 'exists' },
                        { path: 'cart.items', op: 'gte', value: 3 },
                      ],
                    };
    events.push({ id, rule });
  }
  return events;
}

function randomElement(depth: number): CapturedElement {
  const tag =
    depth === 0
      ? pick(['button', 'a', 'span', 'svg', 'img'])
      : pick(['div', 'div', 'section', 'li', 'ul', 'form', 'nav', 'main', 'article']);
  const element: { tag: string; id?: string; classes: string[]; attrs: Record<string, string> } = {
    tag,
    classes: Array.from({ length: int(3) }, () => pick(classes)),
    attrs: {},
  };
  if (random() < 0.15) element.id = tag === 'form' ? `form-${int(20)}` : `el-${int(400)}`;
  if (random() < 0.2) element.attrs['data-testid'] = `t${int(400)}`;
  if (tag === 'a') element.attrs['href'] = `/${pick(sections)}/${int(50)}`;
  if (tag === 'section') element.classes.push(`s${int(30)}`);
  if (random() < 0.1) element.attrs['data-track'] = `track-${int(400)}`;
  return element;
}

function randomEvents(): EventToMatch[] {
  const events: EventToMatch[] = [];
  let currentPage: string | null = null;
  for (let i = 0; i < EVENT_COUNT; i++) {
    const roll = random();
    if (roll < 0.25) {
      const section = pick(sections);
      const href = `https://${pick(hosts)}/${section}/${int(220)}/${pick(['', 'details', 'edit', 'a/b/edit'])}?variant=v${int(220)}&utm_source=ad#/step-${int(4)}?tab=${int(3)}`;
      events.push({ eventType: 'navigate', properties: { navigate_reason: 'navigate' }, url: parseUrlParts(href) });
    } else if (roll < 0.65) {
      const depth = 6 + int(8);
      const path = Array.from({ length: depth }, (_, d) => randomElement(d));
      path.push({ tag: 'body' }, { tag: 'html', attrs: { lang: 'en' } });
      events.push({
        eventType: 'click',
        properties: { target: { text: `Buy ${int(220)}` } },
        pageDefinitionId: currentPage,
        target: { text: `Buy ${int(220)}`, masked: false, path },
      });
    } else if (roll < 0.9) {
      events.push({
        eventType: 'custom',
        properties: {
          event_name: pick(eventNames),
          revenue: int(200),
          plan: `${pick(['pro', 'team', 'free'])}-${int(200)}`,
          cart: { items: int(6) },
          ...(random() < 0.3 ? { coupon: 'X' } : {}),
        },
        pageDefinitionId: currentPage,
      });
    } else {
      events.push({
        eventType: pick(['change', 'load', 'console_message']),
        properties: { message: 'x'.repeat(int(300)) },
        pageDefinitionId: currentPage,
      });
    }
    currentPage = `pd_${String(int(DEFINITIONS_PER_KIND)).padStart(3, '0')}`;
  }
  return events;
}

function run(compiled: CompiledDefinitions, events: readonly EventToMatch[]): { seconds: number; matched: number } {
  let matched = 0;
  const started = performance.now();
  for (const event of events) {
    const result = matchDefinitions(compiled, event);
    if (result.pageDefinitionId !== null) matched++;
    if (result.elementDefinitionId !== null) matched++;
    if (result.eventDefinitionId !== null) matched++;
  }
  return { seconds: (performance.now() - started) / 1000, matched };
}

const compileStarted = performance.now();
const compiled = compileDefinitions({
  organizationId: 'org_bench',
  pages: pageDefinitions(),
  elements: elementDefinitions(),
  events: eventDefinitions(),
});
const compileMillis = performance.now() - compileStarted;
if (compiled.skipped.length > 0) throw new Error(`bench definitions did not validate: ${JSON.stringify(compiled.skipped[0])}`);
const empty = compileDefinitions({ organizationId: 'org_bench', pages: [], elements: [], events: [] });
const events = randomEvents();

// Warm up both paths so the JIT has settled before measuring.
run(compiled, events.slice(0, 20_000));
run(empty, events.slice(0, 20_000));

const rounds = 3;
let best = Infinity;
let bestEmpty = Infinity;
let matched = 0;
for (let round = 0; round < rounds; round++) {
  const withDefinitions = run(compiled, events);
  const baseline = run(empty, events);
  best = Math.min(best, withDefinitions.seconds);
  bestEmpty = Math.min(bestEmpty, baseline.seconds);
  matched = withDefinitions.matched;
}

const rate = (seconds: number): string => Math.round(events.length / seconds).toLocaleString('en-US');
console.log(
  `definitions: ${compiled.counts.pages} pages, ${compiled.counts.elements} elements, ${compiled.counts.events} events; compiled in ${compileMillis.toFixed(1)} ms`,
);
console.log(
  `events: ${events.length.toLocaleString('en-US')} (25% navigate, 40% click, 25% custom, 10% other); ids assigned: ${matched.toLocaleString('en-US')}`,
);
console.log(`with definitions:    ${rate(best)} events/s (${((best / events.length) * 1e6).toFixed(2)} µs/event, best of ${rounds})`);
console.log(
  `without definitions: ${rate(bestEmpty)} events/s (${((bestEmpty / events.length) * 1e6).toFixed(2)} µs/event: the call overhead alone)`,
);
console.log(`ratio: ${(best / bestEmpty).toFixed(1)}x the time of the no-definition baseline`);
for (const [label, filter] of [
  ['navigate (page + event)', (event: EventToMatch) => event.url != null],
  ['click (element + event)', (event: EventToMatch) => event.target != null],
  ['custom/other (event)', (event: EventToMatch) => event.url == null && event.target == null],
] as const) {
  const subset = events.filter(filter);
  const { seconds } = run(compiled, subset);
  console.log(`  ${label.padEnd(24)} ${((seconds / subset.length) * 1e6).toFixed(2)} µs/event`);
}

/**
 * Definitions for the capture benchmark's organization: `perKind` page, element and event
 * definitions shaped like a real product's, many of them matching the benchmark's traffic
 * (bench/capture.ts: a shop with product pages, add-to-cart buttons and custom events). Created
 * through the same code as the GraphQL API, so they are validated the same way.
 */
import type { Database } from '../server/db/client.ts';
import type { DefinitionKind } from '../server/db/schema/index.ts';
import { createDefinitionChanges } from '../server/definitions/services/changes.ts';
import { createDefinition } from '../server/definitions/services/manage.ts';

const SECTIONS = ['products', 'category', 'blog', 'docs', 'account', 'checkout', 'cart', 'search', 'help', 'pricing'];
const CLASSES = ['btn', 'primary', 'secondary', 'cta', 'card', 'nav-link', 'icon', 'large', 'add-to-cart', 'product'];

function pageRule(i: number, perKind: number): unknown {
  const section = SECTIONS[i % SECTIONS.length]!;
  if (i === perKind - 1) return { path: '/**' };
  switch (i % 6) {
    case 0:
      return { host: 'shop.example', path: `/${section}/${i}/*` };
    case 1:
      return { host: '*.shop.example', path: `/${section}/**` };
    case 2:
      return { path: `/${section}`, fragment: `/step-${i % 4}` };
    case 3:
      return { path: `/${section}/**`, query: [{ key: 'variant', op: 'equals', value: `v${i}` }] };
    case 4:
      return { path: `/${section}/*`, query: [{ key: 'utm_source', op: 'exists' }] };
    default:
      return { host: 'shop.example', path: `/${section}/${i}/**/edit` };
  }
}

function elementRule(i: number): unknown {
  const a = CLASSES[i % CLASSES.length]!;
  const b = CLASSES[(i * 7 + 3) % CLASSES.length]!;
  switch (i % 8) {
    case 0:
      return { selector: `#add-${i % 120}` };
    case 1:
      return { selector: `.${a}.${b}` };
    case 2:
      return { selector: `button.${a}[data-product="${i % 120}"]` };
    case 3:
      return { selector: `article.product button.${a}` };
    case 4:
      return { selector: `nav a[href^="/${SECTIONS[i % SECTIONS.length]}"]` };
    case 5:
      return { selector: `:is(a, button).${a}:not(.disabled)` };
    case 6:
      return { selector: `main#app section.s${i % 30} > div .${a}` };
    default:
      return { selector: `[data-track="track-${i}"]` };
  }
}

function eventRule(i: number, elementIds: string[], pageIds: string[]): unknown {
  switch (i % 8) {
    case 0:
    case 1:
      return {
        eventType: 'custom',
        properties: [{ path: 'event_name', op: 'equals', value: i % 16 === 0 ? 'Added to cart' : `Event ${i}` }],
      };
    case 2:
      return {
        eventType: 'custom',
        properties: [
          { path: 'event_name', op: 'equals', value: 'Added to cart' },
          { path: 'properties.price', op: 'gt', value: i % 40 },
        ],
      };
    case 3:
      return { eventType: 'click', elementDefinitionId: elementIds[i % elementIds.length] };
    case 4:
      return { eventType: 'navigate', pageDefinitionId: pageIds[i % pageIds.length] };
    case 5:
      return { eventType: 'custom', properties: [{ path: 'properties.currency', op: 'regex', value: `^(EUR|USD)-${i}$` }] };
    case 6:
      return { properties: [{ path: 'target.text', op: 'contains', value: `Buy ${i}` }] };
    default:
      return { eventType: 'load', properties: [{ path: 'load_time_millis', op: 'gte', value: 800 + i }] };
  }
}

/** Creates `perKind` active definitions of each kind for the organization. */
export async function defineBenchDefinitions(db: Database, orgId: string, perKind: number): Promise<void> {
  const created: Record<DefinitionKind, string[]> = { page: [], element: [], event: [] };
  const add = async (kind: DefinitionKind, i: number, rule: unknown) => {
    const definition = await createDefinition({ db, changes: createDefinitionChanges() }, orgId, 'bench', kind, {
      name: `${kind} ${i}`,
      rule,
    });
    created[kind].push(definition.id);
  };
  for (let i = 0; i < perKind; i++) await add('page', i, pageRule(i, perKind));
  for (let i = 0; i < perKind; i++) await add('element', i, elementRule(i));
  for (let i = 0; i < perKind; i++) await add('event', i, eventRule(i, created.element, created.page));
}

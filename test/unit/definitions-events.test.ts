import { describe, expect, it } from 'vitest';
import {
  compileDefinitions,
  eventSpecificityScore,
  matchDefinitions,
  matchEvents,
  parseUrlParts,
  type EventDefinitionInput,
  type EventFacts,
} from '../../server/definitions/index.ts';

function eventsOf(events: EventDefinitionInput[]) {
  return compileDefinitions({ organizationId: 'org_1', pages: [], elements: [], events });
}

function facts(overrides: Partial<EventFacts>): EventFacts {
  return { eventType: 'custom', properties: {}, pageDefinitionId: null, elementDefinitionIds: [], ...overrides };
}

const purchase = facts({
  properties: {
    event_name: 'Purchase',
    revenue: 129.5,
    currency: 'EUR',
    plan: 'pro',
    tags: ['sale', 'gift'],
    coupon: 'BF2026',
    order: { id: 'ord_9f3a', items: 3 },
  },
});

describe('matchEvents conditions', () => {
  const cases: [string, EventDefinitionInput['rule'], boolean][] = [
    ['equals on a string', { properties: [{ path: 'event_name', op: 'equals', value: 'Purchase' }] }, true],
    ['equals is type-strict', { properties: [{ path: 'order.items', op: 'equals', value: '3' }] }, false],
    ['equals on a nested number', { properties: [{ path: 'order.items', op: 'equals', value: 3 }] }, true],
    ['not_equals on a different value', { properties: [{ path: 'plan', op: 'not_equals', value: 'free' }] }, true],
    ['not_equals needs the property', { properties: [{ path: 'seats', op: 'not_equals', value: 1 }] }, false],
    ['contains in a string', { properties: [{ path: 'coupon', op: 'contains', value: 'BF' }] }, true],
    ['contains in an array', { properties: [{ path: 'tags', op: 'contains', value: 'gift' }] }, true],
    ['contains is case-sensitive', { properties: [{ path: 'coupon', op: 'contains', value: 'bf' }] }, false],
    ['regex', { properties: [{ path: 'order.id', op: 'regex', value: '^ord_[0-9a-f]+$' }] }, true],
    ['regex on a number', { properties: [{ path: 'revenue', op: 'regex', value: '^\\d+\\.5$' }] }, true],
    ['regex that does not match', { properties: [{ path: 'currency', op: 'regex', value: '^USD$' }] }, false],
    ['exists', { properties: [{ path: 'coupon', op: 'exists' }] }, true],
    ['exists on a missing property', { properties: [{ path: 'referrer', op: 'exists' }] }, false],
    ['not_exists', { properties: [{ path: 'refund', op: 'not_exists' }] }, true],
    ['gt', { properties: [{ path: 'revenue', op: 'gt', value: 100 }] }, true],
    ['gte at the bound', { properties: [{ path: 'revenue', op: 'gte', value: 129.5 }] }, true],
    ['lt', { properties: [{ path: 'revenue', op: 'lt', value: 100 }] }, false],
    ['lte on a non-number', { properties: [{ path: 'currency', op: 'lte', value: 100 }] }, false],
    ['inherited properties are not properties', { properties: [{ path: 'constructor', op: 'exists' }] }, false],
    ['path through a scalar', { properties: [{ path: 'plan.name', op: 'exists' }] }, false],
    ['event type', { eventType: 'custom' }, true],
    ['another event type', { eventType: 'click' }, false],
    [
      'all conditions must hold',
      {
        eventType: 'custom',
        properties: [
          { path: 'event_name', op: 'equals', value: 'Purchase' },
          { path: 'plan', op: 'equals', value: 'free' },
        ],
      },
      false,
    ],
  ];
  it.each(cases)('%s', (_name, rule, expected) => {
    const result = matchEvents(eventsOf([{ id: 'ed_1', rule }]), purchase);
    expect(result.eventDefinitionId).toBe(expected ? 'ed_1' : null);
  });

  it('compares numeric strings numerically', () => {
    const compiled = eventsOf([{ id: 'ed_big', rule: { properties: [{ path: 'total', op: 'gte', value: 100 }] } }]);
    expect(matchEvents(compiled, facts({ properties: { total: '149.90' } })).eventDefinitionId).toBe('ed_big');
    expect(matchEvents(compiled, facts({ properties: { total: '' } })).eventDefinitionId).toBeNull();
  });
});

describe('matchEvents specificity', () => {
  it('orders element > page > equals > comparisons > presence > event type', () => {
    const compiled = eventsOf([
      { id: 'ed_type', rule: { eventType: 'click' } },
      { id: 'ed_exists', rule: { eventType: 'click', properties: [{ path: 'target.text', op: 'exists' }] } },
      { id: 'ed_regex', rule: { eventType: 'click', properties: [{ path: 'target.text', op: 'regex', value: '^Sign' }] } },
      { id: 'ed_equals', rule: { eventType: 'click', properties: [{ path: 'target.text', op: 'equals', value: 'Sign up' }] } },
      { id: 'ed_page', rule: { eventType: 'click', pageDefinitionId: 'pd_landing' } },
      { id: 'ed_element', rule: { elementDefinitionId: 'el_signup' } },
      { id: 'ed_other_page', rule: { eventType: 'click', pageDefinitionId: 'pd_pricing' } },
    ]);
    const click = facts({
      eventType: 'click',
      properties: { target: { text: 'Sign up' } },
      pageDefinitionId: 'pd_landing',
      elementDefinitionIds: ['el_btn', 'el_signup'],
    });
    expect(matchEvents(compiled, click)).toEqual({
      eventDefinitionId: 'ed_element',
      additionalEventDefinitionIds: ['ed_page', 'ed_equals', 'ed_regex', 'ed_exists', 'ed_type'],
    });
  });

  it('counts conditions within a tier', () => {
    expect(
      eventSpecificityScore({
        properties: [
          { path: 'a', op: 'equals', value: 1 },
          { path: 'b', op: 'equals', value: 2 },
        ],
      }),
    ).toBeGreaterThan(
      eventSpecificityScore({
        eventType: 'custom',
        properties: [
          { path: 'a', op: 'equals', value: 1 },
          { path: 'c', op: 'gt', value: 0 },
        ],
      }),
    );
  });

  it('breaks ties by creation time, then by id, whatever the input order', () => {
    const rule = { eventType: 'custom', properties: [{ path: 'event_name', op: 'equals', value: 'Purchase' }] };
    const definitions: EventDefinitionInput[] = [
      { id: 'ed_c', rule, createdTime: new Date('2026-01-01T00:00:00Z') },
      { id: 'ed_b', rule },
      { id: 'ed_a', rule },
      { id: 'ed_d', rule, createdTime: new Date('2025-06-01T00:00:00Z') },
    ];
    const expected = { eventDefinitionId: 'ed_d', additionalEventDefinitionIds: ['ed_c', 'ed_a', 'ed_b'] };
    expect(matchEvents(eventsOf(definitions), purchase)).toEqual(expected);
    expect(matchEvents(eventsOf([...definitions].reverse()), purchase)).toEqual(expected);
  });

  it('finds definitions indexed by an equals value alongside unindexed ones', () => {
    const compiled = eventsOf([
      { id: 'ed_purchase', rule: { eventType: 'custom', properties: [{ path: 'event_name', op: 'equals', value: 'Purchase' }] } },
      { id: 'ed_signup', rule: { eventType: 'custom', properties: [{ path: 'event_name', op: 'equals', value: 'Signup' }] } },
      { id: 'ed_pro', rule: { properties: [{ path: 'plan', op: 'equals', value: 'pro' }] } },
      { id: 'ed_any_custom', rule: { eventType: 'custom' } },
    ]);
    expect(matchEvents(compiled, purchase)).toEqual({
      eventDefinitionId: 'ed_purchase',
      additionalEventDefinitionIds: ['ed_pro', 'ed_any_custom'],
    });
    expect(matchEvents(compiled, facts({ properties: { event_name: 'Signup' } }))).toEqual({
      eventDefinitionId: 'ed_signup',
      additionalEventDefinitionIds: ['ed_any_custom'],
    });
  });

  it('never matches a definition that references a definition not in the compiled set', () => {
    const compiled = eventsOf([{ id: 'ed_archived_ref', rule: { elementDefinitionId: 'el_archived' } }]);
    expect(matchEvents(compiled, facts({ eventType: 'click', elementDefinitionIds: ['el_signup'] })).eventDefinitionId).toBeNull();
  });
});

describe('matchDefinitions', () => {
  const compiled = compileDefinitions({
    organizationId: 'org_shop',
    pages: [
      { id: 'pd_checkout_pay', priority: 1, rule: { host: 'shop.example', path: '/checkout', fragment: '/pay' } },
      { id: 'pd_landing', priority: 2, rule: { host: 'shop.example', path: '/' } },
    ],
    elements: [
      { id: 'el_signup', rule: { selector: '#signup', pageDefinitionId: 'pd_landing' } },
      { id: 'el_btn', rule: { selector: '.btn' } },
      { id: 'el_pay', rule: { selector: 'button[data-action="pay"]' } },
    ],
    events: [
      { id: 'ed_signup_click', rule: { eventType: 'click', elementDefinitionId: 'el_signup' } },
      { id: 'ed_any_button', rule: { eventType: 'click', elementDefinitionId: 'el_btn' } },
      { id: 'ed_pay_view', rule: { eventType: 'navigate', pageDefinitionId: 'pd_checkout_pay' } },
      { id: 'ed_pay_click', rule: { eventType: 'click', pageDefinitionId: 'pd_checkout_pay', elementDefinitionId: 'el_pay' } },
      {
        id: 'ed_purchase',
        rule: {
          eventType: 'custom',
          properties: [
            { path: 'event_name', op: 'equals', value: 'Purchase' },
            { path: 'revenue', op: 'gt', value: 0 },
          ],
        },
      },
    ],
  });

  it('enriches a click inside a nested element on the landing page', () => {
    const result = matchDefinitions(compiled, {
      eventType: 'click',
      properties: { target: { text: 'Sign up' } },
      url: parseUrlParts('https://shop.example/?utm_source=ad'),
      target: {
        text: 'Sign up',
        path: [
          { tag: 'span' },
          { tag: 'button', id: 'signup', classes: ['btn', 'primary'] },
          { tag: 'form' },
          { tag: 'body' },
          { tag: 'html' },
        ],
      },
    });
    expect(result).toEqual({
      pageDefinitionId: 'pd_landing',
      elementDefinitionId: 'el_signup',
      additionalElementDefinitionIds: ['el_btn'],
      eventDefinitionId: 'ed_signup_click',
      additionalEventDefinitionIds: ['ed_any_button'],
    });
  });

  it('enriches an SPA navigation and a click that inherits the page context of the view', () => {
    const navigate = matchDefinitions(compiled, {
      eventType: 'navigate',
      properties: { navigate_reason: 'navigate' },
      url: parseUrlParts('https://shop.example/checkout#/pay?method=card'),
    });
    expect(navigate).toEqual({
      pageDefinitionId: 'pd_checkout_pay',
      elementDefinitionId: null,
      additionalElementDefinitionIds: [],
      eventDefinitionId: 'ed_pay_view',
      additionalEventDefinitionIds: [],
    });
    const click = matchDefinitions(compiled, {
      eventType: 'click',
      properties: {},
      pageDefinitionId: navigate.pageDefinitionId,
      target: { path: [{ tag: 'button', classes: ['btn'], attrs: { 'data-action': 'pay' } }, { tag: 'body' }, { tag: 'html' }] },
    });
    expect(click).toEqual({
      pageDefinitionId: 'pd_checkout_pay',
      elementDefinitionId: 'el_pay',
      additionalElementDefinitionIds: ['el_btn'],
      eventDefinitionId: 'ed_pay_click',
      additionalEventDefinitionIds: ['ed_any_button'],
    });
  });

  it('enriches a custom event by its properties', () => {
    const result = matchDefinitions(compiled, { eventType: 'custom', properties: { event_name: 'Purchase', revenue: 42 } });
    expect(result.eventDefinitionId).toBe('ed_purchase');
    expect(
      matchDefinitions(compiled, { eventType: 'custom', properties: { event_name: 'Purchase', revenue: 0 } }).eventDefinitionId,
    ).toBeNull();
  });

  it('keeps the organization in the compiled object, and a recompile only changes later matches', () => {
    expect(compiled.organizationId).toBe('org_shop');
    expect(Object.isFrozen(compiled)).toBe(true);
    const event = { eventType: 'custom', properties: { event_name: 'Purchase', revenue: 42 } };
    const before = matchDefinitions(compiled, event);
    const edited = compileDefinitions({
      organizationId: 'org_shop',
      pages: [],
      elements: [],
      events: [{ id: 'ed_purchase', rule: { eventType: 'custom', properties: [{ path: 'revenue', op: 'gt', value: 100 }] } }],
    });
    expect(matchDefinitions(edited, event).eventDefinitionId).toBeNull();
    expect(before.eventDefinitionId).toBe('ed_purchase');
    expect(matchDefinitions(compiled, event).eventDefinitionId).toBe('ed_purchase');
  });
});

describe('matchEvents element tier', () => {
  it('prefers the rule on the more specific matched element definition', () => {
    const compiled = eventsOf([
      { id: 'ed_a_generic', rule: { eventType: 'click', elementDefinitionId: 'el_btn' } },
      { id: 'ed_z_specific', rule: { eventType: 'click', elementDefinitionId: 'el_signup' } },
      { id: 'ed_page', rule: { eventType: 'click', pageDefinitionId: 'pd_landing', properties: [{ path: 'x', op: 'not_exists' }] } },
    ]);
    const click = facts({ eventType: 'click', pageDefinitionId: 'pd_landing', elementDefinitionIds: ['el_signup', 'el_btn'] });
    expect(matchEvents(compiled, click)).toEqual({
      eventDefinitionId: 'ed_z_specific',
      additionalEventDefinitionIds: ['ed_a_generic', 'ed_page'],
    });
  });
});

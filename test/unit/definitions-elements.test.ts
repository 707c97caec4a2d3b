import { describe, expect, it } from 'vitest';
import {
  compileDefinitions,
  matchElements,
  specificityOf,
  type CapturedTarget,
  type ElementDefinitionInput,
} from '../../server/definitions/index.ts';
import { parse } from 'css-what';

function elementsOf(elements: ElementDefinitionInput[]) {
  return compileDefinitions({ organizationId: 'org_1', pages: [], elements, events: [] });
}

/** A click on `<span>Sign up</span>` inside `<button id="signup" class="btn primary">` inside a form. */
const clickOnSpanInSignupButton: CapturedTarget = {
  text: 'Sign up',
  masked: false,
  path: [
    { tag: 'span', classes: ['label'], attrs: {} },
    { tag: 'button', id: 'signup', classes: ['btn', 'primary'], attrs: { type: 'submit', 'data-testid': 'signup' } },
    { tag: 'form', id: 'signup-form', classes: [], attrs: { action: '/signup' } },
    { tag: 'main', classes: ['content'], attrs: {} },
    { tag: 'body', classes: [], attrs: {} },
    { tag: 'html', classes: [], attrs: { lang: 'en' } },
  ],
};

describe('specificityOf', () => {
  it.each([
    ['#signup', [1, 0, 0]],
    ['.btn', [0, 1, 0]],
    ['form button', [0, 0, 2]],
    ['button.primary', [0, 1, 1]],
    ['[id=signup]', [0, 1, 0]],
    ['*', [0, 0, 0]],
    ['form > button[type="submit"]:not(.secondary)', [0, 2, 2]],
    [':is(#signup, .btn) span', [1, 0, 1]],
    [':where(#signup) span', [0, 0, 1]],
  ])('%s has specificity %j', (selector, expected) => {
    const [first] = parse(selector);
    expect(specificityOf(first ?? [])).toEqual(expected);
  });
});

describe('matchElements', () => {
  it('matches the clicked element and its ancestors, most specific selector first', () => {
    const compiled = elementsOf([
      { id: 'el_btn', rule: { selector: '.btn' } },
      { id: 'el_form_button', rule: { selector: 'form button' } },
      { id: 'el_signup', rule: { selector: '#signup' } },
      { id: 'el_primary', rule: { selector: 'button.primary' } },
      { id: 'el_link', rule: { selector: 'a.nav' } },
    ]);
    expect(matchElements(compiled, clickOnSpanInSignupButton, null)).toEqual({
      elementDefinitionId: 'el_signup',
      additionalElementDefinitionIds: ['el_primary', 'el_btn', 'el_form_button'],
    });
  });

  it('prefers, at equal specificity, the definition matching the element closest to the click', () => {
    const compiled = elementsOf([
      { id: 'el_a_form', rule: { selector: '#signup-form' } },
      { id: 'el_z_button', rule: { selector: '#signup' } },
    ]);
    expect(matchElements(compiled, clickOnSpanInSignupButton, null)).toEqual({
      elementDefinitionId: 'el_z_button',
      additionalElementDefinitionIds: ['el_a_form'],
    });
  });

  it('breaks remaining ties by id, whatever the input order', () => {
    const definitions = [
      { id: 'el_b', rule: { selector: 'button.btn' } },
      { id: 'el_a', rule: { selector: 'button.primary' } },
    ];
    const expected = { elementDefinitionId: 'el_a', additionalElementDefinitionIds: ['el_b'] };
    expect(matchElements(elementsOf(definitions), clickOnSpanInSignupButton, null)).toEqual(expected);
    expect(matchElements(elementsOf([...definitions].reverse()), clickOnSpanInSignupButton, null)).toEqual(expected);
  });

  it('scores a selector list by its most specific alternative that matches', () => {
    const compiled = elementsOf([
      { id: 'el_list', rule: { selector: '#checkout, form .btn' } },
      { id: 'el_primary', rule: { selector: 'button.primary' } },
    ]);
    // "#checkout" does not match, so el_list scores (0,1,1) like el_primary; it matched the same
    // button, so the id decides.
    expect(matchElements(compiled, clickOnSpanInSignupButton, null)).toEqual({
      elementDefinitionId: 'el_list',
      additionalElementDefinitionIds: ['el_primary'],
    });
  });

  it('evaluates combinators, attributes, :not, :is, :root and :contains on the captured chain', () => {
    const compiled = elementsOf([
      { id: 'el_child', rule: { selector: 'form > button' } },
      { id: 'el_not_child', rule: { selector: 'main > button' } },
      { id: 'el_attr', rule: { selector: '[data-testid="signup"]' } },
      { id: 'el_attr_prefix', rule: { selector: 'form[action^="/sign"]' } },
      { id: 'el_not', rule: { selector: 'button:not(.secondary)' } },
      { id: 'el_not_excluded', rule: { selector: 'button:not(.primary)' } },
      { id: 'el_is', rule: { selector: ':is(a, button)[type=submit]' } },
      { id: 'el_root', rule: { selector: ':root[lang=en] body main' } },
      { id: 'el_text', rule: { selector: 'button:contains("Sign up")' } },
      { id: 'el_text_other', rule: { selector: 'button:contains("Log in")' } },
    ]);
    const result = matchElements(compiled, clickOnSpanInSignupButton, null);
    const matched = [result.elementDefinitionId, ...result.additionalElementDefinitionIds].sort();
    expect(matched).toEqual(['el_attr', 'el_attr_prefix', 'el_child', 'el_is', 'el_not', 'el_root', 'el_text']);
  });

  it('does not use the text of a masked target', () => {
    const compiled = elementsOf([{ id: 'el_text', rule: { selector: 'button:contains("Sign up")' } }]);
    expect(matchElements(compiled, { ...clickOnSpanInSignupButton, masked: true }, null).elementDefinitionId).toBeNull();
  });

  it('only matches definitions limited to a page on that page', () => {
    const compiled = elementsOf([
      { id: 'el_signup_on_landing', rule: { selector: '#signup', pageDefinitionId: 'pd_landing' } },
      { id: 'el_btn', rule: { selector: '.btn' } },
    ]);
    expect(matchElements(compiled, clickOnSpanInSignupButton, 'pd_landing')).toEqual({
      elementDefinitionId: 'el_signup_on_landing',
      additionalElementDefinitionIds: ['el_btn'],
    });
    expect(matchElements(compiled, clickOnSpanInSignupButton, 'pd_pricing')).toEqual({
      elementDefinitionId: 'el_btn',
      additionalElementDefinitionIds: [],
    });
    expect(matchElements(compiled, clickOnSpanInSignupButton, null).elementDefinitionId).toBe('el_btn');
  });

  it('reads ids and classes from attrs when the dedicated fields are absent, and ignores tag case', () => {
    const compiled = elementsOf([{ id: 'el_cta', rule: { selector: 'a#buy.cta' } }]);
    const target: CapturedTarget = { path: [{ tag: 'A', attrs: { id: 'buy', class: 'cta  large' } }, { tag: 'BODY' }, { tag: 'HTML' }] };
    expect(matchElements(compiled, target, null).elementDefinitionId).toBe('el_cta');
  });

  it('matches a universal-subject selector through its ancestor condition', () => {
    const compiled = elementsOf([{ id: 'el_in_form', rule: { selector: '#signup-form *' } }]);
    expect(matchElements(compiled, clickOnSpanInSignupButton, null).elementDefinitionId).toBe('el_in_form');
  });

  it('returns no match for an empty path or no definitions', () => {
    expect(matchElements(elementsOf([{ id: 'el_btn', rule: { selector: '.btn' } }]), { path: [] }, null)).toEqual({
      elementDefinitionId: null,
      additionalElementDefinitionIds: [],
    });
    expect(matchElements(elementsOf([]), clickOnSpanInSignupButton, null).elementDefinitionId).toBeNull();
  });

  it('leaves out stored selectors that no longer validate, and reports them', () => {
    const compiled = elementsOf([
      { id: 'el_bad', rule: { selector: 'li:first-child' } },
      { id: 'el_btn', rule: { selector: '.btn' } },
    ]);
    expect(compiled.skipped).toEqual([
      { kind: 'element', id: 'el_bad', errors: [expect.objectContaining({ code: 'UNSUPPORTED_SELECTOR' })] },
    ]);
    expect(matchElements(compiled, clickOnSpanInSignupButton, null).elementDefinitionId).toBe('el_btn');
  });
});

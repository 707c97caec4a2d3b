import { cutText } from './text.js';
import type { Target, TargetElement } from './types.js';

/** Text inside an element with this attribute is sent as `****`. */
export const MASK_ATTRIBUTE = 'data-tributary-mask';
/** Nothing is captured from interactions inside an element with this attribute. */
export const IGNORE_ATTRIBUTE = 'data-tributary-ignore';
const MASK = '****';
const TEXT_CAP = 200;
const ATTRIBUTE_VALUE_CAP = 200;
const MAX_ATTRIBUTES = 16;
const MAX_CLASSES = 16;
const MAX_DEPTH = 50;
const NAMED_ATTRIBUTES = ['type', 'name', 'role', 'href', 'title', 'alt', 'for', 'placeholder', 'aria-label'];
/** `input` types whose value is a label written by the page, not data typed by the user. */
const BUTTON_INPUT_TYPES = ['button', 'submit', 'reset'];
/** Elements whose content is never visible text (or, for form fields, may be user data). */
const SKIPPED_CONTENT = ['script', 'style', 'noscript', 'template', 'textarea', 'select', 'input'];

function describeElement(element: Element): TargetElement {
  const attrs: Record<string, string> = {};
  let count = 0;
  for (const { name, value } of Array.from(element.attributes)) {
    if (count >= MAX_ATTRIBUTES) break;
    if (NAMED_ATTRIBUTES.includes(name) || name.startsWith('data-')) {
      attrs[name] = cutText(value, ATTRIBUTE_VALUE_CAP);
      count++;
    }
  }
  const described: TargetElement = {
    tag: element.localName,
    classes: Array.from(element.classList).slice(0, MAX_CLASSES),
    attrs,
  };
  if (element.id) described.id = cutText(element.id, ATTRIBUTE_VALUE_CAP);
  return described;
}

/** Visible text of `node`, with masked descendants replaced by `****`. */
function collectText(node: Node, out: { text: string; masked: boolean }): void {
  for (let child = node.firstChild; child && out.text.length < TEXT_CAP; child = child.nextSibling) {
    if (child.nodeType === Node.TEXT_NODE) {
      out.text += child.nodeValue;
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const element = child as Element;
      if (element.hasAttribute(MASK_ATTRIBUTE)) {
        out.text += ` ${MASK} `;
        out.masked = true;
      } else if (!SKIPPED_CONTENT.includes(element.localName) && !element.hasAttribute(IGNORE_ATTRIBUTE)) {
        collectText(element, out);
      }
    }
  }
}

function isFormField(element: Element): element is HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement {
  const tag = element.localName;
  return tag === 'input' || tag === 'textarea' || tag === 'select' || (element as HTMLElement).isContentEditable;
}

/**
 * The `target` of a click or change on `element`, or undefined when the element is inside a
 * `data-tributary-ignore` subtree. Values of form fields are never read (except the label of
 * button-like inputs); text inside `data-tributary-mask` is masked.
 */
export function describeTarget(element: Element): Target | undefined {
  if (element.closest(`[${IGNORE_ATTRIBUTE}]`)) return undefined;
  const out = { text: '', masked: false };
  if (element.closest(`[${MASK_ATTRIBUTE}]`)) {
    out.text = MASK;
    out.masked = true;
  } else if (isFormField(element)) {
    const input = element as HTMLInputElement;
    if (element.localName === 'input' && BUTTON_INPUT_TYPES.includes(input.type)) out.text = input.value;
    else {
      out.text = MASK;
      out.masked = true;
    }
  } else {
    collectText(element, out);
  }
  const path: TargetElement[] = [];
  for (let current: Element | null = element; current && path.length < MAX_DEPTH; current = current.parentElement) {
    path.push(describeElement(current));
  }
  return {
    text: cutText(out.text.replace(/\s+/g, ' ').trim(), TEXT_CAP),
    masked: out.masked,
    path,
    element_properties: {},
  };
}

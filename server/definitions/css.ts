import { compile, type Options } from 'css-select';
import { parse, SelectorType, type Selector } from 'css-what';
import type { CapturedTarget } from './inputs.ts';

/**
 * CSS selectors evaluated by css-select over the ancestry the SDK captured.
 *
 * The captured tree is a single chain: `html > … > form > button > span`, where each node's only
 * child is the next node towards the clicked element, and each node is its own only sibling.
 * Selectors that need what was not captured (siblings, other descendants, positions among
 * siblings, interaction state) cannot be answered truthfully and are refused with
 * `UNSUPPORTED_SELECTOR` rather than silently never (or always) matching.
 */

/** One node of the captured ancestry as seen by the css-select adapter. */
export interface CapturedNode {
  readonly tag: string;
  readonly id: string | undefined;
  readonly className: string | undefined;
  readonly classes: readonly string[];
  readonly attrs: Readonly<Record<string, string>>;
  readonly text: string;
  /** 0 for the clicked element, 1 for its parent, … */
  readonly depth: number;
  parent: CapturedNode | null;
  child: CapturedNode | null;
}

/** Why a selector was refused. */
export interface SelectorProblem {
  readonly code: 'INVALID_SELECTOR' | 'UNSUPPORTED_SELECTOR';
  readonly message: string;
}

const UNSUPPORTED_PSEUDOS: Readonly<Record<string, string>> = {
  'first-child': 'positions among siblings are not captured',
  'last-child': 'positions among siblings are not captured',
  'only-child': 'positions among siblings are not captured',
  'nth-child': 'positions among siblings are not captured',
  'nth-last-child': 'positions among siblings are not captured',
  'first-of-type': 'positions among siblings are not captured',
  'last-of-type': 'positions among siblings are not captured',
  'only-of-type': 'positions among siblings are not captured',
  'nth-of-type': 'positions among siblings are not captured',
  'nth-last-of-type': 'positions among siblings are not captured',
  empty: 'children other than the clicked path are not captured',
  has: 'descendants other than the clicked path are not captured',
  parent: 'children other than the clicked path are not captured',
  hover: 'interaction state is not captured',
  active: 'interaction state is not captured',
  visited: 'interaction state is not captured',
};

const UNSUPPORTED_TRAVERSALS: Readonly<Partial<Record<string, string>>> = {
  [SelectorType.Adjacent]: 'sibling combinators ("+") need siblings, which are not captured',
  [SelectorType.Sibling]: 'sibling combinators ("~") need siblings, which are not captured',
  [SelectorType.Parent]: 'the parent combinator ("<") needs children, which are not captured',
  [SelectorType.ColumnCombinator]: 'column combinators ("||") are not supported',
};

const MESSAGE_REWRITES: readonly [RegExp, string][] = [
  [/^Expected name, found $/, 'unexpected end of selector (unclosed "[" or missing name?)'],
  [/^Expected name, found (.+)$/, 'expected a name, found "$1"'],
  [/^Unmatched selector: (.+)$/, 'cannot read the selector from "$1"'],
  [/^Empty sub-selector$/, 'empty selector in a list (a stray ","?)'],
  [/^Unknown pseudo-class :(.+)$/, 'unknown pseudo-class ":$1"'],
  [/^Pseudo-elements are not supported.*$/, 'pseudo-elements (::before, ::after …) never receive clicks'],
  [/^Namespaced .*$/, 'namespaced selectors (ns|tag) are not supported'],
  [/^Relative selectors are not allowed.*$/, 'a selector cannot start with a combinator (">", "+", "~")'],
];

function readableSelectorError(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  for (const [pattern, replacement] of MESSAGE_REWRITES) {
    if (pattern.test(raw)) return raw.replace(pattern, replacement);
  }
  return raw;
}

function findUnsupported(selectors: readonly (readonly Selector[])[]): string | null {
  for (const sequence of selectors) {
    for (const token of sequence) {
      const traversal = UNSUPPORTED_TRAVERSALS[token.type];
      if (traversal !== undefined) return traversal;
      if (token.type === SelectorType.Pseudo) {
        const reason = UNSUPPORTED_PSEUDOS[token.name];
        if (reason !== undefined) return `":${token.name}" cannot be evaluated: ${reason}`;
        if (Array.isArray(token.data)) {
          const nested = findUnsupported(token.data);
          if (nested !== null) return nested;
        }
      }
    }
  }
  return null;
}

/** A selector alternative (one member of a selector list), ready to run. */
export interface CompiledSelectorAlternative {
  readonly test: (node: CapturedNode) => boolean;
  /** Specificity encoded as `ids * 1e6 + classes * 1e3 + types`, each part capped at 999. */
  readonly specificity: number;
  /** Where to file the alternative so that it is only tried on nodes that can be its subject. */
  readonly bucket: SelectorBucket;
  readonly subject: SubjectFilter;
  /** Tags, ids and classes that must occur somewhere in the captured path for a match. */
  readonly pathNeeds: PathNeeds;
}

/** A parsed, validated selector, or the reason it was refused. */
export type SelectorCompilation =
  | { readonly ok: true; readonly alternatives: readonly CompiledSelectorAlternative[] }
  | { readonly ok: false; readonly problem: SelectorProblem };

/** Returns why `selector` cannot be used in an element definition, or null. */
export function checkSelector(selector: string): SelectorProblem | null {
  const compiled = compileSelector(selector);
  return compiled.ok ? null : compiled.problem;
}

/** Parses, validates and compiles one element-definition selector, one function per alternative. */
export function compileSelector(selector: string): SelectorCompilation {
  const invalid = (message: string): SelectorCompilation => ({
    ok: false,
    problem: { code: 'INVALID_SELECTOR', message: `invalid CSS selector "${selector}": ${message}` },
  });
  if (selector.trim().length === 0) return invalid('selector is empty');
  let parsed: Selector[][];
  try {
    parsed = parse(selector);
  } catch (error) {
    return invalid(readableSelectorError(error));
  }
  if (parsed.length === 0 || parsed.some((sequence) => sequence.length === 0)) return invalid('selector is empty');
  const unsupported = findUnsupported(parsed);
  if (unsupported !== null) {
    return { ok: false, problem: { code: 'UNSUPPORTED_SELECTOR', message: `CSS selector "${selector}" is not supported: ${unsupported}` } };
  }
  const alternatives: CompiledSelectorAlternative[] = [];
  try {
    for (const sequence of parsed) {
      const specificity = encodeSpecificity(specificityOf(sequence));
      const { bucket, subject, pathNeeds } = requirementsOf(sequence);
      // css-select sorts and lower-cases tokens in place: give it its own copy.
      const test = compile<CapturedNode, CapturedNode>([structuredClone(sequence)], CSS_OPTIONS);
      alternatives.push({ test, specificity, bucket, subject, pathNeeds });
    }
  } catch (error) {
    return invalid(readableSelectorError(error));
  }
  return { ok: true, alternatives };
}

/** Specificity triple (ids, classes/attributes/pseudo-classes, types/pseudo-elements). */
export type Specificity = readonly [number, number, number];

function addSpecificity(a: Specificity, b: Specificity): Specificity {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

function compareSpecificity(a: Specificity, b: Specificity): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function maxSpecificity(selectors: readonly (readonly Selector[])[]): Specificity {
  let best: Specificity = [0, 0, 0];
  for (const sequence of selectors) {
    const candidate = specificityOf(sequence);
    if (compareSpecificity(candidate, best) > 0) best = candidate;
  }
  return best;
}

/**
 * Specificity of one complex selector, per Selectors Level 4: `#id` counts as an id;
 * classes, attribute selectors (`[id=x]` included) and pseudo-classes count in the middle;
 * type selectors and pseudo-elements count last; `*` and combinators count nothing;
 * `:is()`, `:not()`, `:has()` count as their most specific argument; `:where()` counts nothing.
 */
export function specificityOf(sequence: readonly Selector[]): Specificity {
  let total: Specificity = [0, 0, 0];
  for (const token of sequence) {
    switch (token.type) {
      case SelectorType.Attribute:
        // css-what marks `#x` and `.x` (and only those) with ignoreCase "quirks".
        total = addSpecificity(
          total,
          token.name === 'id' && token.action === 'equals' && token.ignoreCase === 'quirks' ? [1, 0, 0] : [0, 1, 0],
        );
        break;
      case SelectorType.Pseudo:
        if (token.name === 'where') break;
        if (['is', 'matches', 'any', 'not', 'has'].includes(token.name) && Array.isArray(token.data)) {
          total = addSpecificity(total, maxSpecificity(token.data));
        } else {
          total = addSpecificity(total, [0, 1, 0]);
        }
        break;
      case SelectorType.Tag:
      case SelectorType.PseudoElement:
        total = addSpecificity(total, [0, 0, 1]);
        break;
      default:
        break;
    }
  }
  return total;
}

function encodeSpecificity([ids, classes, types]: Specificity): number {
  return Math.min(ids, 999) * 1e6 + Math.min(classes, 999) * 1e3 + Math.min(types, 999);
}

const TRAVERSALS: ReadonlySet<string> = new Set([
  SelectorType.Descendant,
  SelectorType.Child,
  SelectorType.Adjacent,
  SelectorType.Sibling,
  SelectorType.Parent,
  SelectorType.ColumnCombinator,
]);

/** Cheap necessary conditions on the subject element, checked before running css-select. */
export interface SubjectFilter {
  readonly tag: string | null;
  readonly id: string | null;
  readonly classes: readonly string[];
  /** Attributes that must be present (any selector on them except `!=`). */
  readonly attrs: readonly string[];
}

/** The most selective plain requirement of the subject: its id, a class, an attribute, its tag, or none. */
export type SelectorBucket = { readonly kind: 'id' | 'class' | 'tag' | 'attr'; readonly value: string } | { readonly kind: 'any' };

/** Tags, ids and classes that some element of the path must carry, one compound at a time. */
export interface PathNeeds {
  readonly tags: readonly string[];
  readonly ids: readonly string[];
  readonly classes: readonly string[];
}

/** What an alternative needs, read from its plain tokens (pseudo-class arguments are ignored). */
interface Requirements {
  readonly bucket: SelectorBucket;
  readonly subject: SubjectFilter;
  readonly pathNeeds: PathNeeds;
}

function isCaseSensitive(ignoreCase: string | boolean | null): boolean {
  return ignoreCase === 'quirks' || ignoreCase === null || ignoreCase === false;
}

function requirementsOf(sequence: readonly Selector[]): Requirements {
  const needs = { tags: new Set<string>(), ids: new Set<string>(), classes: new Set<string>() };
  let tag: string | null = null;
  let id: string | null = null;
  let classes: string[] = [];
  let attrs: string[] = [];
  for (const token of sequence) {
    if (TRAVERSALS.has(token.type)) {
      tag = null;
      id = null;
      classes = [];
      attrs = [];
      continue;
    }
    if (token.type === SelectorType.Tag) {
      tag = token.name.toLowerCase();
      needs.tags.add(tag);
    } else if (token.type === SelectorType.Attribute) {
      const name = token.name.toLowerCase();
      if (name === 'id' && token.action === 'equals' && isCaseSensitive(token.ignoreCase)) {
        id = token.value;
        needs.ids.add(token.value);
      } else if (
        name === 'class' &&
        token.action === 'element' &&
        isCaseSensitive(token.ignoreCase) &&
        token.value !== '' &&
        !/\s/.test(token.value)
      ) {
        classes.push(token.value);
        needs.classes.add(token.value);
      } else if (token.action !== 'not') {
        attrs.push(name);
      }
    }
  }
  // `id` and `class` may come from the captured fields rather than `attrs`: never file under them.
  const bucketAttribute = attrs.find((name) => name !== 'id' && name !== 'class');
  // Filed under the subject's most selective plain requirement: matching then only tries an
  // alternative on the nodes that carry it.
  const bucket: SelectorBucket =
    id !== null
      ? { kind: 'id', value: id }
      : classes[0] !== undefined
        ? { kind: 'class', value: classes[0] }
        : bucketAttribute !== undefined
          ? { kind: 'attr', value: bucketAttribute }
          : tag !== null
            ? { kind: 'tag', value: tag }
            : { kind: 'any' };
  return {
    bucket,
    subject: { tag, id, classes, attrs },
    pathNeeds: { tags: [...needs.tags], ids: [...needs.ids], classes: [...needs.classes] },
  };
}

const EMPTY_CHILDREN: readonly CapturedNode[] = [];

/** css-select adapter over the captured chain (see the module comment). */
export const capturedAdapter: NonNullable<Options<CapturedNode, CapturedNode>['adapter']> = {
  isTag: (_node): _node is CapturedNode => true,
  getParent: (node) => node.parent,
  getChildren: (node) => (node.child === null ? (EMPTY_CHILDREN as CapturedNode[]) : [node.child]),
  getSiblings: (node) => [node],
  prevElementSibling: () => null,
  getName: (node) => node.tag,
  getText: (node) => node.text,
  getAttributeValue: (node, name) => {
    if (name === 'id') return node.id;
    if (name === 'class') return node.className;
    return node.attrs[name];
  },
  hasAttrib: (node, name) => {
    if (name === 'id') return node.id !== undefined;
    if (name === 'class') return node.className !== undefined;
    return node.attrs[name] !== undefined;
  },
  removeSubsets: (nodes) => {
    const unique = [...new Set(nodes)];
    return unique.filter((node) => {
      for (let ancestor = node.parent; ancestor !== null; ancestor = ancestor.parent) {
        if (unique.includes(ancestor)) return false;
      }
      return true;
    });
  },
  equals: (a, b) => a === b,
};

const CSS_OPTIONS: Options<CapturedNode, CapturedNode> = {
  adapter: capturedAdapter,
  xmlMode: false,
  relativeSelector: false,
  // Nodes are rebuilt for every event; per-node caches would only cost time.
  cacheResults: false,
};

function lowerCaseKeys(attrs: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  if (attrs === undefined) return EMPTY_ATTRS;
  for (const key in attrs) {
    if (key !== key.toLowerCase()) {
      return Object.fromEntries(Object.entries(attrs).map(([name, value]) => [name.toLowerCase(), value]));
    }
  }
  return attrs;
}

const EMPTY_ATTRS: Readonly<Record<string, string>> = Object.freeze({});
const NO_CLASSES: readonly string[] = Object.freeze([]);

/**
 * Builds the chain of nodes for a captured target. Returns the nodes innermost first
 * (`nodes[0]` is the clicked element). Ids and classes come from the captured `id` and `classes`
 * fields, falling back to `attrs.id` / `attrs.class`. Every node's text is the captured target
 * text (empty when masked): the only text known to lie inside each ancestor.
 */
export function buildCapturedNodes(target: CapturedTarget): CapturedNode[] {
  const text = target.masked === true ? '' : (target.text ?? '');
  const nodes: CapturedNode[] = [];
  let inner: CapturedNode | null = null;
  for (let depth = 0; depth < target.path.length; depth++) {
    const element = target.path[depth];
    if (element === undefined) continue;
    const attrs = lowerCaseKeys(element.attrs);
    const classAttr = attrs['class'];
    let classes = element.classes;
    let className: string | undefined;
    if (classes === undefined) {
      classes = classAttr === undefined ? NO_CLASSES : classAttr.split(/\s+/).filter((name) => name.length > 0);
      className = classAttr;
    } else {
      className = classes.length > 0 ? classes.join(' ') : classAttr;
    }
    const node: CapturedNode = {
      tag: element.tag.toLowerCase(),
      id: element.id ?? attrs['id'],
      className,
      classes,
      attrs,
      text,
      depth,
      parent: null,
      child: inner,
    };
    if (inner !== null) inner.parent = node;
    nodes.push(node);
    inner = node;
  }
  return nodes;
}

import { ValidationError } from '../errors.ts';

/**
 * Regex safety for event-definition property conditions.
 *
 * V8's regex engine backtracks, so a careless pattern can take seconds or years on a short
 * value. Two defences, both always on:
 *
 * 1. Patterns are rejected (`UNSAFE_REGEX`) when they are longer than 256 characters or have a
 *    shape known to backtrack badly:
 *    - backreferences (`\1`, `\k<name>`);
 *    - a repeated group (`(…)*`, `(…)+`, `(…){2,}`) that contains any quantifier: `(a+)+`,
 *      `(\d{2})*` (nested quantifiers);
 *    - a repeated group containing an alternation whose branches can start with the same
 *      character, or may be empty: `(a|a)*`, `(a|ab)+`, `(\w|\d)+` (`(foo|bar)+` is fine);
 *    - two unbounded quantifiers (`*`, `+`, `{n,}`, or a maximum of 32 or more) in a row whose
 *      characters overlap, unless something between them must consume a character the first
 *      cannot match: `\w+\d+`, `.*.*x` and `a.*b.*c` are refused, `\d+\.\d+`, `\w+@\w+` and
 *      `[a-z]+[0-9]+` are fine. A leading or trailing `.*` is dropped first, since it cannot
 *      change whether a search matches (`.*checkout.*` is tested as `checkout`).
 *    The check is conservative: it refuses some harmless patterns, never the reverse for these
 *    shapes.
 * 2. Values are truncated to {@link REGEX_INPUT_LIMIT} characters before testing, so what is
 *    left (at worst quadratic) stays bounded.
 *
 * Patterns are compiled with the `u` flag (strict syntax, code-point aware) and no other flag.
 */

/** Values are cut to this many characters before a regex is tested on them. */
export const REGEX_INPUT_LIMIT = 1000;
/** Longest accepted regex source. */
export const REGEX_SOURCE_LIMIT = 256;
/** Quantifiers with at least this maximum count are treated as unbounded. */
const LARGE_REPEAT = 32;

/** Why a regex was refused. */
export interface RegexProblem {
  readonly code: 'INVALID_REGEX' | 'UNSAFE_REGEX';
  readonly message: string;
}

/** Coarse character set: ASCII bitmap plus one flag for "some non-ASCII character". */
class CharSet {
  readonly bits = new Uint32Array(4);
  nonAscii = false;

  static of(codePoint: number): CharSet {
    const set = new CharSet();
    set.add(codePoint);
    return set;
  }

  static full(): CharSet {
    const set = new CharSet();
    set.bits.fill(0xffffffff);
    set.nonAscii = true;
    return set;
  }

  static range(from: number, to: number): CharSet {
    const set = new CharSet();
    for (let code = from; code <= Math.min(to, 127); code++) set.add(code);
    if (to > 127) set.nonAscii = true;
    return set;
  }

  add(codePoint: number): void {
    if (codePoint > 127) this.nonAscii = true;
    else this.bits[codePoint >> 5] = (this.bits[codePoint >> 5] ?? 0) | (1 << (codePoint & 31));
  }

  addAll(other: CharSet): void {
    for (let i = 0; i < 4; i++) this.bits[i] = (this.bits[i] ?? 0) | (other.bits[i] ?? 0);
    this.nonAscii ||= other.nonAscii;
  }

  complement(): CharSet {
    const set = new CharSet();
    for (let i = 0; i < 4; i++) set.bits[i] = ~(this.bits[i] ?? 0);
    set.nonAscii = true;
    return set;
  }

  intersects(other: CharSet): boolean {
    if (this.nonAscii && other.nonAscii) return true;
    for (let i = 0; i < 4; i++) if (((this.bits[i] ?? 0) & (other.bits[i] ?? 0)) !== 0) return true;
    return false;
  }
}

const DIGITS = CharSet.range(48, 57);
const WORD = (() => {
  const set = CharSet.range(48, 57);
  set.addAll(CharSet.range(65, 90));
  set.addAll(CharSet.range(97, 122));
  set.add(95);
  return set;
})();
const SPACE = (() => {
  const set = CharSet.range(9, 13);
  set.add(32);
  set.nonAscii = true;
  return set;
})();
/** What `.` matches without the `s` flag: anything but line terminators. */
const DOT_SET = (() => {
  const set = CharSet.full();
  set.bits[0] = (set.bits[0] ?? 0) & ~((1 << 10) | (1 << 13));
  return set;
})();

/** Parsed regex node, reduced to what the safety rules need. */
type Node =
  | { readonly kind: 'char'; readonly set: CharSet; readonly min: number; readonly max: number }
  | { readonly kind: 'group'; readonly alternatives: Node[][]; readonly min: number; readonly max: number; readonly lookaround: boolean }
  | { readonly kind: 'assertion' };

/** Why a pattern is unsafe: thrown by the analysis, answered as `UNSAFE_REGEX` by `analyseRegex`. */
const unsafe = (why: string) => new ValidationError('UNSAFE_REGEX', `unsafe regex: ${why}`);

class RegexParser {
  private position = 0;
  private readonly source: string;
  constructor(source: string) {
    this.source = source;
  }

  parse(): Node[][] {
    const alternatives = this.alternatives();
    return alternatives;
  }

  private peek(): string | undefined {
    return this.source[this.position];
  }

  private alternatives(): Node[][] {
    const alternatives: Node[][] = [[]];
    while (this.position < this.source.length) {
      const char = this.peek();
      if (char === ')') break;
      if (char === '|') {
        this.position++;
        alternatives.push([]);
        continue;
      }
      const atom = this.atom();
      alternatives[alternatives.length - 1]?.push(atom);
    }
    return alternatives;
  }

  private atom(): Node {
    const char = this.source[this.position++];
    if (char === '^' || char === '$') return { kind: 'assertion' };
    if (char === '(') return this.group();
    if (char === '[') return this.quantified({ set: this.characterClass() });
    if (char === '.') return this.quantified({ set: DOT_SET });
    if (char === '\\') {
      const escaped = this.escape(false);
      if (escaped === 'assertion') return { kind: 'assertion' };
      return this.quantified({ set: escaped });
    }
    return this.quantified({ set: CharSet.of(char?.codePointAt(0) ?? 0) });
  }

  private group(): Node {
    let lookaround = false;
    if (this.source.startsWith('?:', this.position)) this.position += 2;
    else if (this.source.startsWith('?=', this.position) || this.source.startsWith('?!', this.position)) {
      this.position += 2;
      lookaround = true;
    } else if (this.source.startsWith('?<=', this.position) || this.source.startsWith('?<!', this.position)) {
      this.position += 3;
      lookaround = true;
    } else if (this.source.startsWith('?<', this.position)) {
      this.position = this.source.indexOf('>', this.position) + 1;
    }
    const alternatives = this.alternatives();
    this.position++;
    if (lookaround) return { kind: 'group', alternatives, min: 0, max: 0, lookaround: true };
    const { min, max } = this.quantifier();
    return { kind: 'group', alternatives, min, max, lookaround: false };
  }

  private quantified({ set }: { set: CharSet }): Node {
    const { min, max } = this.quantifier();
    return { kind: 'char', set, min, max };
  }

  private quantifier(): { min: number; max: number } {
    const char = this.peek();
    let min = 1;
    let max = 1;
    if (char === '*' || char === '+' || char === '?') {
      this.position++;
      min = char === '+' ? 1 : 0;
      max = char === '?' ? 1 : Infinity;
    } else if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.position));
      if (match === null) return { min, max };
      this.position += match[0].length;
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] === '' || match[3] === undefined ? Infinity : Number(match[3]);
    } else {
      return { min, max };
    }
    if (this.peek() === '?') this.position++;
    return { min, max: max >= LARGE_REPEAT ? Infinity : max };
  }

  private escape(inClass: boolean): CharSet | 'assertion' {
    const char = this.source[this.position++] ?? '';
    switch (char) {
      case 'd':
        return DIGITS;
      case 'D':
        return DIGITS.complement();
      case 'w':
        return WORD;
      case 'W':
        return WORD.complement();
      case 's':
        return SPACE;
      case 'S':
        return SPACE.complement();
      case 'b':
        return inClass ? CharSet.of(8) : 'assertion';
      case 'B':
        return 'assertion';
      case 'k':
        throw unsafe('backreferences (\\k<name>) are not allowed');
      case 'n':
        return CharSet.of(10);
      case 't':
        return CharSet.of(9);
      case 'r':
        return CharSet.of(13);
      case 'f':
        return CharSet.of(12);
      case 'v':
        return CharSet.of(11);
      case '0':
        return CharSet.of(0);
      case 'c':
        this.position++;
        return CharSet.range(0, 31);
      case 'x':
      case 'u':
      case 'p':
      case 'P': {
        const rest = this.source.slice(this.position);
        const match = /^(\{[^}]*\}|[0-9a-fA-F]{4}|[0-9a-fA-F]{2})/.exec(rest);
        this.position += match?.[0].length ?? 0;
        if (char === 'x' || char === 'u') {
          const hex = (match?.[0] ?? '').replace(/[{}]/g, '');
          return CharSet.of(Number.parseInt(hex, 16));
        }
        return CharSet.full();
      }
      default:
        if (/[1-9]/.test(char)) throw unsafe('backreferences (\\1 … \\9) are not allowed');
        return CharSet.of(char.codePointAt(0) ?? 0);
    }
  }

  /** One member of a character class, with its code point when it is a single character. */
  private classMember(): { set: CharSet; code: number | null } {
    const codePoint = this.source.codePointAt(this.position) ?? 0;
    if (codePoint !== 92) {
      this.position += codePoint > 0xffff ? 2 : 1;
      return { set: CharSet.of(codePoint), code: codePoint };
    }
    this.position++;
    const escaped = this.escape(true);
    if (escaped === 'assertion') return { set: CharSet.full(), code: null };
    return { set: escaped, code: null };
  }

  private characterClass(): CharSet {
    const negated = this.peek() === '^';
    if (negated) this.position++;
    const set = new CharSet();
    while (this.position < this.source.length && this.peek() !== ']') {
      const from = this.classMember();
      if (this.peek() === '-' && this.position + 1 < this.source.length && this.source[this.position + 1] !== ']') {
        this.position++;
        const to = this.classMember();
        // Escaped range ends (\x41-\x5a) are rare: widen them to "anything" rather than decode.
        set.addAll(from.code !== null && to.code !== null ? CharSet.range(from.code, to.code) : CharSet.full());
      } else {
        set.addAll(from.set);
      }
    }
    this.position++;
    return negated ? set.complement() : set;
  }
}

function repeats(node: { max: number }): boolean {
  return node.max > 1;
}

function unbounded(node: Node): boolean {
  if (node.kind === 'assertion') return false;
  if (node.max === Infinity) return true;
  return node.kind === 'group' && !node.lookaround && node.alternatives.some((sequence) => sequence.some(unbounded));
}

function minLength(node: Node): number {
  if (node.kind === 'assertion') return 0;
  if (node.kind === 'char') return node.min;
  if (node.lookaround) return 0;
  const inner = Math.min(...node.alternatives.map((sequence) => sequence.reduce((sum, child) => sum + minLength(child), 0)));
  return inner * node.min;
}

function charsOf(node: Node): CharSet {
  if (node.kind === 'char') return node.set;
  const set = new CharSet();
  if (node.kind === 'group' && !node.lookaround) {
    for (const sequence of node.alternatives) for (const child of sequence) set.addAll(charsOf(child));
  }
  return set;
}

function firstChars(sequence: readonly Node[]): CharSet | null {
  const first = sequence[0];
  if (first === undefined) return null;
  if (first.kind === 'char' && first.min >= 1) return first.set;
  return CharSet.full();
}

/** Inside a repeated group: no quantifier at all, and alternations must not overlap. */
function checkRepeatedBody(alternatives: readonly Node[][]): void {
  if (alternatives.length > 1) {
    const starts = alternatives.map(firstChars);
    starts.forEach((start, index) => {
      if (start === null) throw unsafe('a repeated group must not have an empty alternative');
      for (const other of starts.slice(index + 1)) {
        if (other !== null && start.intersects(other)) {
          throw unsafe('a repeated group has alternatives that can start with the same character, e.g. (a|ab)+');
        }
      }
    });
  }
  for (const sequence of alternatives) {
    for (const node of sequence) {
      if (node.kind === 'assertion') continue;
      if (node.kind === 'char' && node.min === 1 && node.max === 1) continue;
      if (node.kind === 'group' && node.lookaround) {
        checkSequences(node.alternatives);
        continue;
      }
      if (node.kind === 'group' && node.min === 1 && node.max === 1) {
        checkRepeatedBody(node.alternatives);
        continue;
      }
      throw unsafe('a repeated group contains a quantifier (nested quantifiers such as (a+)+ can backtrack exponentially)');
    }
  }
}

/** Checks one sequence: repeated groups, then runs of overlapping unbounded quantifiers. */
function checkSequence(sequence: readonly Node[]): void {
  for (const node of sequence) {
    if (node.kind !== 'group') continue;
    if (node.lookaround || !repeats(node)) checkSequences(node.alternatives);
    else checkRepeatedBody(node.alternatives);
  }
  // Union of the characters of unbounded quantifiers not yet separated by a mandatory character
  // that none of them can match.
  let open: CharSet | null = null;
  for (const node of sequence) {
    if (node.kind === 'assertion') continue;
    if (node.kind === 'group' && node.lookaround) continue;
    const chars = charsOf(node);
    if (open !== null) {
      if (minLength(node) >= 1 && !chars.intersects(open)) {
        open = null;
      } else if (unbounded(node) && chars.intersects(open)) {
        throw unsafe(
          'two unbounded quantifiers in a row can match the same characters (e.g. \\w+\\d+ or .*.*), which backtracks polynomially',
        );
      }
    }
    if (unbounded(node)) {
      const union: CharSet = new CharSet();
      if (open !== null) union.addAll(open);
      union.addAll(chars);
      open = union;
    }
  }
}

function checkSequences(alternatives: readonly Node[][]): void {
  for (const sequence of alternatives) checkSequence(sequence);
}

function isDotStar(node: Node | undefined): boolean {
  return node !== undefined && node.kind === 'char' && node.min === 0 && node.max === Infinity && node.set === DOT_SET;
}

/** Returns why `source` is refused as a property-condition regex, or null when it is accepted. */
export function checkRegex(source: string): RegexProblem | null {
  const result = analyseRegex(source);
  return 'problem' in result ? result.problem : null;
}

function analyseRegex(source: string): { problem: RegexProblem } | { effectiveSource: string } {
  if (source.length === 0) return { problem: { code: 'INVALID_REGEX', message: 'regex is empty' } };
  if (source.length > REGEX_SOURCE_LIMIT) {
    return { problem: { code: 'UNSAFE_REGEX', message: `regex is longer than ${REGEX_SOURCE_LIMIT} characters` } };
  }
  try {
    new RegExp(source, 'u');
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
    return { problem: { code: 'INVALID_REGEX', message: `invalid regex: ${message}` } };
  }
  try {
    const alternatives = new RegexParser(source).parse();
    let effectiveSource = source;
    const only = alternatives.length === 1 ? alternatives[0] : undefined;
    if (only !== undefined) {
      // A leading or trailing `.*` never changes whether an unanchored search finds a match.
      const start = isDotStar(only[0]) && /^\.\*/.test(source) ? 1 : 0;
      const end = only.length > start && isDotStar(only[only.length - 1]) && /\.\*\??$/.test(source) ? only.length - 1 : only.length;
      const kept = only.slice(start, end);
      checkSequence(kept);
      effectiveSource = stripDotStars(source, start === 1, end < only.length);
    } else {
      checkSequences(alternatives);
    }
    return { effectiveSource };
  } catch (error) {
    if (error instanceof ValidationError) return { problem: { code: 'UNSAFE_REGEX', message: error.message } };
    throw error;
  }
}

function stripDotStars(source: string, leading: boolean, trailing: boolean): string {
  let result = source;
  if (leading) result = result.replace(/^\.\*\??/, '');
  if (trailing) result = result.replace(/\.\*\??$/, '');
  return result.length === 0 ? '(?:)' : result;
}

/** A compiled, length-bounded regex test. */
export type SafeRegexTest = (value: string) => boolean;

/**
 * Compiles a regex that {@link checkRegex} accepts into a test that only looks at the first
 * {@link REGEX_INPUT_LIMIT} characters of a value. Throws for a refused regex: validate first.
 */
export function compileSafeRegex(source: string): SafeRegexTest {
  const result = analyseRegex(source);
  if ('problem' in result) throw new Error(`${result.problem.code}: ${result.problem.message}`);
  const regex = new RegExp(result.effectiveSource, 'u');
  return (value) => regex.test(value.length > REGEX_INPUT_LIMIT ? value.slice(0, REGEX_INPUT_LIMIT) : value);
}

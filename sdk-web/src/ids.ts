const TWO_POW_32 = 2 ** 32;

/**
 * A random integer in [1, 2^53) as a decimal string: exact as a JS number and as an int64, and
 * random enough (53 bits) that ids made on different devices do not collide in practice.
 */
export function randomId(): string {
  const words = new Uint32Array(2);
  try {
    crypto.getRandomValues(words);
  } catch {
    words[0] = Math.random() * TWO_POW_32;
    words[1] = Math.random() * TWO_POW_32;
  }
  const id = (words[0]! & 0x1fffff) * TWO_POW_32 + words[1]!;
  return String(id || 1);
}

/** True for what {@link randomId} makes (and a stored id was written by). */
export function isId(value: string | undefined): value is string {
  return !!value && /^[1-9]\d{0,15}$/.test(value) && Number(value) < 2 ** 53;
}

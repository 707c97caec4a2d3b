/**
 * `text` cut to at most `max` UTF-16 units, never between the two halves of a surrogate pair:
 * a cut emoji would leave a lone surrogate, which is not text (the server replaces it with U+FFFD).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

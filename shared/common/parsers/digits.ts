/**
 * The value of the ASCII decimal digits text[from, to), or -1 when the range is empty or holds
 * anything else. Read from character codes, with no substring: the parsers call it per field of
 * every line. Past 15 digits a number may not be exact; the caller says whether that is allowed.
 */
export function decimalAt(text: string, from: number, to: number, maxDigits = 15): number {
  if (to <= from || to - from > maxDigits) return -1;
  if (to - from > 15) return /^[0-9]+$/.test(text.slice(from, to)) ? Number(text.slice(from, to)) : -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

/**
 * How many lines `text` has: its newlines plus one. The parsers of large tables size their result
 * array with it (an upper bound of their items): filled by push, an array of 100,000 listeners is
 * copied some 25 times as it grows, each larger copy in fresh memory, which costs more than this
 * count.
 */
export function lineCount(text: string): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

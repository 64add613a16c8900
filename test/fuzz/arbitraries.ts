import fc from 'fast-check';

/**
 * Generators of near-valid input: real output (the seeds), cut, spliced and mixed with the
 * format's own words, so a property reaches every branch of a parser instead of stopping at its
 * first check. Kept cheap (no re-serialising of large documents per case): `npm run fuzz` runs
 * 100,000 cases of each property.
 */

/** Characters that end tokens, fields and quoted strings in the formats we parse. */
export const SEPARATORS = [' ', '  ', '\t', ':', '::', '.', ',', ';', '/', '=', '-', '"', "'", '\\', '[', ']', '(', ')', '{', '}', '<', '>', '%', '@', '#', '*', '|', '\r', '\n'];

/**
 * Any UTF-16 code units, lone surrogates and NUL included: what a decoder can hand a parser. Made
 * from numbers because fast-check's `unit: 'binary'` strings cost milliseconds each.
 */
export const anyUnits = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff })), { maxLength }).map((codes) => String.fromCharCode(...codes));

/** Any Unicode scalar values (no lone surrogates, no NUL): text a shell or a file can hold as is. */
export const anyScalars = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.oneof(fc.integer({ min: 1, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0x10ffff })), { maxLength }).map((codes) => String.fromCodePoint(...codes));

/** Cut `text` at two points and put `insert` between the halves (replacing `drop` characters). */
function splice(text: string, at: number, drop: number, insert: string): string {
  const i = at % (text.length + 1);
  return `${text.slice(0, i)}${insert}${text.slice(i + (drop % 4))}`;
}

/** One edit: a few random characters, a word of the format, or a separator. */
const edit = (vocab: readonly string[]) =>
  fc.oneof(
    fc.string({ maxLength: 3 }),
    fc.constantFrom(...vocab, ...SEPARATORS),
    fc.integer({ min: -1, max: 99_999_999_999 }).map(String),
  );

/** A whole seed with up to four edits. */
export function mutatedDocument(seeds: readonly string[], vocab: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(), edit(vocab)), { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => edits.reduce((t, [at, drop, s]) => splice(t, at, drop, s), seed));
}

/** A line: a real one, cut, edited, or made of the format's words. */
export function nearLine(lines: readonly string[], vocab: readonly string[]): fc.Arbitrary<string> {
  const real = fc.constantFrom(...lines);
  return fc.oneof(
    { weight: 3, arbitrary: real },
    { weight: 2, arbitrary: fc.tuple(real, fc.nat(), fc.nat(), edit(vocab)).map(([l, at, drop, s]) => splice(l, at, drop, s)) },
    { weight: 1, arbitrary: fc.tuple(real, fc.nat(), fc.nat()).map(([l, a, b]) => l.slice(Math.min(a, b) % (l.length + 1), Math.max(a, b) % (l.length + 1))) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...vocab, ...SEPARATORS), { maxLength: 16 }).map((ws) => ws.join(' ')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  );
}

/** Text for a parser: arbitrary, binary, near-valid lines, or a whole seed with a few edits. */
export function parserInput(seeds: readonly string[], vocab: readonly string[] = []): fc.Arbitrary<string> {
  const lines = [...new Set(seeds.flatMap((s) => s.split('\n')).filter((l) => l.trim() !== ''))];
  const words = vocab.length > 0 ? vocab : ['x'];
  return fc.oneof(
    { weight: 1, arbitrary: fc.string({ maxLength: 400 }) },
    { weight: 1, arbitrary: anyUnits(200) },
    { weight: 4, arbitrary: fc.array(nearLine(lines.length > 0 ? lines : ['x'], words), { maxLength: 30 }).map((ls) => ls.join('\n')) },
    { weight: 3, arbitrary: mutatedDocument(seeds.length > 0 ? seeds : [''], words) },
  );
}

/** A port-ish number, including the edges and what is just outside them. */
export const portish = fc.oneof(fc.constantFrom(0, 1, 22, 80, 443, 5432, 65535, 65536, -1), fc.integer({ min: -10, max: 70_000 }));

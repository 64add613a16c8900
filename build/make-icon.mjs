// Writes build/icon.png (512x512 RGBA): a white plug on a rounded blue square.
// Dependency-free (node:zlib only) and deterministic, so the PNG can be regenerated and diffed.
// Usage: node build/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const SAMPLES = 4; // 4x4 supersampling for smooth edges

/** Signed distance to a rounded rectangle given by its box and corner radius (negative inside). */
function roundRect(x, y, x0, y0, x1, y1, r) {
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const qx = Math.abs(x - cx) - ((x1 - x0) / 2 - r);
  const qy = Math.abs(y - cy) - ((y1 - y0) / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Signed distance to a convex polygon with clockwise vertices (negative inside). */
function convex(x, y, points) {
  let inside = -Infinity;
  let edge = Infinity;
  for (let i = 0; i < points.length; i++) {
    const [ax, ay] = points[i];
    const [bx, by] = points[(i + 1) % points.length];
    const ex = bx - ax;
    const ey = by - ay;
    const len = Math.hypot(ex, ey);
    inside = Math.max(inside, ((x - ax) * ey - (y - ay) * ex) / len);
    const t = Math.min(1, Math.max(0, ((x - ax) * ex + (y - ay) * ey) / (len * len)));
    edge = Math.min(edge, Math.hypot(x - ax - t * ex, y - ay - t * ey));
  }
  return inside > 0 ? edge : inside;
}

/** Smooth union of two distance fields: rounds the joint by about k pixels. */
function smoothMin(a, b, k) {
  const h = Math.max(k - Math.abs(a - b), 0) / k;
  return Math.min(a, b) - (h * h * k) / 4;
}

const inTile = (x, y) => roundRect(x, y, 16, 16, 496, 496, 108) <= 0;

function inGlyph(x, y) {
  const prongs = Math.min(roundRect(x, y, 196, 96, 232, 210, 18), roundRect(x, y, 280, 96, 316, 210, 18));
  // The head is one rounded convex outline (body narrowing into a neck), blended into the cable.
  const head = convex(x, y, [[190, 222], [322, 222], [322, 258], [262, 318], [250, 318], [190, 258]]) - 36;
  const cable = roundRect(x, y, 236, 320, 276, 560, 0);
  return Math.min(prongs, smoothMin(head, cable, 24)) <= 0;
}

const mix = (a, b, t) => a + (b - a) * t;
const top = [56, 189, 248]; // sky-400
const bottom = [30, 64, 175]; // blue-800

const rgba = Buffer.alloc(SIZE * SIZE * 4);
for (let py = 0; py < SIZE; py++) {
  for (let px = 0; px < SIZE; px++) {
    let tile = 0;
    let glyph = 0;
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const x = px + (sx + 0.5) / SAMPLES;
        const y = py + (sy + 0.5) / SAMPLES;
        if (!inTile(x, y)) continue;
        tile++;
        if (inGlyph(x, y)) glyph++;
      }
    }
    const n = SAMPLES * SAMPLES;
    const alpha = tile / n;
    const g = tile ? glyph / tile : 0;
    const t = py / (SIZE - 1);
    const i = (py * SIZE + px) * 4;
    for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(mix(mix(top[c], bottom[c], t), 255, g));
    rgba[i + 3] = Math.round(alpha * 255);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // colour type: RGBA
// [10..12] compression, filter, interlace: all 0

// Each scanline starts with its filter type (0 = none).
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) rgba.copy(raw, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = new URL('./icon.png', import.meta.url);
writeFileSync(out, png);
console.log(`wrote ${out.pathname} (${png.length} bytes)`);

// Builds real PNG files (8-bit RGB, no interlace) so that avatar uploads go through an actual decode.
import { deflateSync } from 'node:zlib';

const crc_table = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

// CRC-32 (ISO 3309), as PNG chunks require.
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crc_table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const type_and_data = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(type_and_data));
  return Buffer.concat([length, type_and_data, crc]);
}

// A width x height 8-bit RGB image (no interlace); `pixel(x, y)` gives the [r, g, b] of each pixel.
export function encodePng(width, height, pixel) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour (RGB)
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const stride = width * 3 + 1; // one filter-type byte per scanline
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * stride + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A width x height RGB image: a gradient tinted by `seed`, so two seeds give two different images.
export function makePng(width, height, seed = 0) {
  return encodePng(width, height, (x, y) => [
    (x * 255) / Math.max(1, width - 1),
    (y * 255) / Math.max(1, height - 1),
    (seed * 97 + x + y) & 0xff,
  ]);
}

// A size x size image: a diagonal two-colour split, so an avatar is recognisable in screenshots.
export function pngAvatar(size = 128, first = [255, 140, 0], second = [40, 60, 200]) {
  return encodePng(size, size, (x, y) => (x + y < size ? first : second));
}

/**
 * A clientMsgId: a time-ordered UUID (version 7, RFC 9562): the time in milliseconds in the first 48 bits, then
 * random bits. The server keeps an index of (room, user, clientMsgId) to store a retried message once; ids that
 * grow with time land at the end of that index, where random ids would each dirty a page of their own that the
 * commit must write. getRandomValues works outside a secure context too (crypto.randomUUID does not).
 */
export function newClientMsgId(now: number = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // variant 10
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

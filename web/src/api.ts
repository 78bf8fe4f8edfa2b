// The HTTP API (README.md "The API"). The session cookie (HttpOnly) authenticates every call, so no token is
// kept in JavaScript: a script injected into the page could not steal one.
import type { HistoryPage, Room, User } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let onUnauthorized: (() => void) | undefined;
/** Called when any request (other than logging in) answers 401: the session ended elsewhere. */
export function setUnauthorizedHandler(handler: (() => void) | undefined) {
  onUnauthorized = handler;
}

interface Options {
  body?: unknown;
  raw?: Blob;
  /** 401 is an expected answer (login, the session check at start): do not treat it as a lost session. */
  quiet401?: boolean;
  signal?: AbortSignal;
}

async function request<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.raw) {
    body = opts.raw;
    headers['Content-Type'] = opts.raw.type || 'application/octet-stream';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', (err as Error).message);
  }
  if (res.status === 204) return undefined as T;
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (res.status === 401 && !opts.quiet401) onUnauthorized?.();
    throw new ApiError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? res.statusText);
  }
  return json as T;
}

export const api = {
  signUp: (email: string, password: string) => request<User>('POST', '/api/user', { body: { email, password }, quiet401: true }),
  logIn: (email: string, password: string) =>
    request<{ token: string; user: User }>('POST', '/api/session', { body: { email, password }, quiet401: true }),
  logOut: () => request<void>('DELETE', '/api/session', { quiet401: true }),
  me: () => request<User>('GET', '/api/me', { quiet401: true }),
  updateMe: (displayName: string) => request<User>('PATCH', '/api/me', { body: { displayName } }),
  uploadAvatar: (file: Blob) => request<User>('PUT', '/api/me/avatar', { raw: file }),
  users: (query: string, cursor?: string | null, limit = 30, signal?: AbortSignal) => {
    const params = new URLSearchParams({ query, limit: String(limit) });
    if (cursor) params.set('cursor', cursor);
    return request<{ users: User[]; nextCursor: string | null }>('GET', `/api/users?${params}`, { signal });
  },
  user: (id: string) => request<User>('GET', `/api/users/${encodeURIComponent(id)}`),
  rooms: () => request<{ rooms: Room[] }>('GET', '/api/rooms'),
  room: (id: string) => request<Room>('GET', `/api/room/${encodeURIComponent(id)}`),
  createRoom: (title: string, members: string[]) => request<Room>('POST', '/api/room', { body: { title, members } }),
  direct: (userId: string) => request<Room>('POST', `/api/dm/${encodeURIComponent(userId)}`),
  invite: (roomId: string, userId: string) =>
    request<Room>('POST', `/api/room/${encodeURIComponent(roomId)}/members`, { body: { userId } }),
  leave: (roomId: string) => request<void>('DELETE', `/api/room/${encodeURIComponent(roomId)}/members/me`),
  history: (roomId: string, before?: number, limit = 50) => {
    const params = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) params.set('before', String(before));
    return request<HistoryPage>('GET', `/api/room/${encodeURIComponent(roomId)}/chat?${params}`);
  },
  post: (roomId: string, message: string, clientMsgId: string) =>
    request<import('./types').Message>('POST', `/api/chat/${encodeURIComponent(roomId)}`, { body: { message, clientMsgId } }),
  read: (roomId: string, seq: number) =>
    request<{ roomId: string; lastReadSeq: number }>('POST', `/api/room/${encodeURIComponent(roomId)}/read`, { body: { seq } }),
};

/** The URL of a user's avatar at a size the server makes (64 for lists, 256 for profiles). */
export function avatarSrc(avatarUrl: string | null | undefined, size: 64 | 256 = 64): string | undefined {
  if (!avatarUrl) return undefined;
  return `${avatarUrl}${avatarUrl.includes('?') ? '&' : '?'}size=${size}`;
}

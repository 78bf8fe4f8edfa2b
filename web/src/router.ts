// The open room lives in the URL (/r/<room id>), so a reload or a shared link opens the same room, and the
// browser's back button closes it on a phone.
import { client } from './client';

export function roomFromPath(pathname = location.pathname): string | null {
  const m = /^\/r\/([^/]+)\/?$/.exec(pathname);
  return m ? decodeURIComponent(m[1]!) : null;
}

export function roomPath(roomId: string): string {
  return `/r/${encodeURIComponent(roomId)}`;
}

export function navigate(roomId: string | null, { replace = false } = {}) {
  const path = roomId ? roomPath(roomId) : '/';
  if (location.pathname !== path) {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
  }
  client.setActiveRoom(roomId);
}

export function followLocation() {
  const sync = () => client.setActiveRoom(roomFromPath());
  window.addEventListener('popstate', sync);
  sync();
  return () => window.removeEventListener('popstate', sync);
}

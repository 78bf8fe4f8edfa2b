// The user directory, searched as you type (prefix search on name or email), a page at a time.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { client } from '../client';
import type { User } from '../types';

export function usePeople(query: string, excludeId?: string) {
  const [users, setUsers] = useState<User[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  useEffect(() => {
    const gen = ++generation.current;
    const controller = new AbortController();
    setLoading(true);
    // Wait for a pause in typing before asking the server.
    const timer = setTimeout(() => {
      api.users(query.trim(), null, 30, controller.signal).then(
        (page) => {
          if (gen !== generation.current) return;
          client.rememberUsers(page.users);
          setUsers(page.users.filter((u) => u.id !== excludeId));
          setCursor(page.nextCursor);
          setError(null);
          setLoading(false);
        },
        (err: Error) => {
          if (gen !== generation.current || err.name === 'AbortError') return;
          setError(err.message);
          setLoading(false);
        },
      );
    }, query ? 200 : 0);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query, excludeId]);

  const loadMore = useCallback(async () => {
    if (!cursor) return;
    const gen = generation.current;
    setLoading(true);
    try {
      const page = await api.users(query.trim(), cursor, 30);
      if (gen !== generation.current) return;
      client.rememberUsers(page.users);
      setUsers((prev) => {
        const seen = new Set(prev.map((u) => u.id));
        return [...prev, ...page.users.filter((u) => u.id !== excludeId && !seen.has(u.id))];
      });
      setCursor(page.nextCursor);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  }, [cursor, query, excludeId]);

  return { users, loading, error, hasMore: !!cursor, loadMore };
}

export type People = ReturnType<typeof usePeople>;

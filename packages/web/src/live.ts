import { useEffect, useRef, useState } from 'react';

export type Connection = 'live' | 'reconnecting' | 'offline';

/**
 * Follows `GET /api/v1/stream` (Server-Sent Events): `onChange` runs (at most every 250 ms)
 * when entries are appended or statuses change, so pages refetch without a reload. EventSource
 * reconnects by itself with Last-Event-ID; nothing is lost or repeated.
 */
export function useLive(enabled: boolean, onChange: () => void): Connection {
  const [connection, setConnection] = useState<Connection>('reconnecting');
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/stream');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        callback.current();
      }, 250);
    };
    source.addEventListener('open', () => setConnection('live'));
    source.addEventListener('error', () =>
      setConnection(navigator.onLine === false ? 'offline' : 'reconnecting'),
    );
    source.addEventListener('status', changed);
    source.addEventListener('event', changed);
    return () => {
      if (timer) clearTimeout(timer);
      source.close();
    };
  }, [enabled]);
  return connection;
}

/** Loads data with `load` now and each time `version` changes; keeps the last good value. */
export function useData<T>(
  load: () => Promise<T>,
  version: unknown,
): { data: T | undefined; error: Error | undefined; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: version and tick are the triggers
  useEffect(() => {
    let cancelled = false;
    loader
      .current()
      .then((value) => {
        if (!cancelled) {
          setData(value);
          setError(undefined);
        }
      })
      .catch((reason: unknown) => {
        if (!cancelled) setError(reason instanceof Error ? reason : new Error(String(reason)));
      });
    return () => {
      cancelled = true;
    };
  }, [version, tick]);
  return { data, error, reload: () => setTick((n) => n + 1) };
}

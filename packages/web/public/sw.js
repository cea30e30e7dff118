// truce's service worker: the app opens without a connection. The page and its files are kept
// (cache first for content-hashed assets, network first for the page); API reads answer from
// the last response when the network is down, marked with `x-truce-offline: 1`. Writes are
// never cached: the page queues reports itself (outbox.ts) and resends them with their
// idempotency keys.
const shell = 'truce-shell-v1';
const data = 'truce-data-v1';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(shell).then((cache) => cache.addAll(['/', '/manifest.webmanifest', '/icon.svg'])),
  );
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k !== shell && k !== data).map((k) => caches.delete(k))),
      ),
  );
  self.clients.claim();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname === '/api/v1/stream' || url.pathname === '/api/v1/export') return;
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ??
          fetch(request).then((response) => {
            const copy = response.clone();
            if (response.ok) caches.open(shell).then((cache) => cache.put(request, copy));
            return response;
          }),
      ),
    );
    return;
  }
  const store = url.pathname.startsWith('/api/') ? data : shell;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(store).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(async () => {
        const hit =
          (await caches.match(request)) ??
          (request.mode === 'navigate' ? await caches.match('/') : undefined);
        if (!hit) return Response.error();
        const headers = new Headers(hit.headers);
        headers.set('x-truce-offline', '1');
        return new Response(hit.body, { status: hit.status, headers });
      }),
  );
});

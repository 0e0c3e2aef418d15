/**
 * Browser tests' plumbing: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), and a tiny page server standing in for a customer's website on another origin.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** One headless Chromium; close it in afterAll. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface PageServer {
  /** `http://localhost:PORT`: a different origin from the app's `http://127.0.0.1:PORT`. */
  origin: string;
  /** Serves `html` at `path` (the query string is ignored) and returns the page's address. */
  page(path: string, html: string): string;
  close(): Promise<void>;
}

/**
 * Serves HTML pages by path on 127.0.0.1, addressed as `localhost` so that the browser sees a
 * site on an origin other than Leadwire's. Unknown paths answer 404.
 */
export async function servePages(): Promise<PageServer> {
  const pages = new Map<string, string>();
  const server = createServer((req, res) => {
    const page = pages.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    page(path, html) {
      pages.set(new URL(path, origin).pathname, html);
      return `${origin}${path}`;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A shop page embedding a widget the way Leadwire's snippet tells a site owner to. */
export function shopPage(embedUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Shop</title></head>
<body>
<h1>Shop</h1>
<script src="${embedUrl}" async></script>
</body>
</html>`;
}

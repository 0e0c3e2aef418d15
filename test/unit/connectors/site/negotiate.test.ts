/**
 * The remembered negotiation of connectors/site/negotiate.ts gives what Express itself answers
 * (req.is, req.accepts) for every combination of headers, the first time and the next.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SITE_BODY_TYPES, siteBodyType, wantsJson } from '../../../../connectors/site/negotiate.ts';

let url: string;
let close: () => Promise<unknown>;

beforeAll(async () => {
  const app = express().all('/', (req, res) => {
    res.json({
      ours: { type: siteBodyType(req), json: wantsJson(req) },
      express: {
        type: req.is([...SITE_BODY_TYPES]),
        json:
          req.is('application/json') === 'application/json' ||
          req.accepts(['html', 'json']) === 'json',
      },
    });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => new Promise((resolve) => server.close(resolve));
});
afterAll(() => close());

const CONTENT_TYPES = [
  undefined,
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'application/json',
  'APPLICATION/JSON; charset=utf-8',
  'application/vnd.api+json',
  'multipart/form-data; boundary=----x',
  'text/plain',
  'application/json; =broken',
];
const ACCEPTS = [
  undefined,
  'application/json',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  '*/*',
  'application/json, text/html;q=0.5',
  'text/html;q=0.5, application/json;q=0.4',
  'image/png',
];

it('answers as req.is and req.accepts, with and without a body, again and again', async () => {
  let compared = 0;
  for (const method of ['POST', 'GET'])
    for (const contentType of CONTENT_TYPES)
      for (const accept of ACCEPTS)
        for (let again = 0; again < 2; again++) {
          const headers: Record<string, string> = {};
          if (contentType) headers['content-type'] = contentType;
          if (accept) headers.accept = accept;
          const body = method === 'POST' ? 'a=1' : undefined;
          const res = await fetch(url, { method, headers, ...(body ? { body } : {}) });
          const { ours, express: theirs } = (await res.json()) as Record<string, unknown>;
          expect(ours, `${method} ${contentType} / ${accept}`).toEqual(theirs);
          compared += 1;
        }
  expect(compared).toBe(2 * CONTENT_TYPES.length * ACCEPTS.length * 2);
});

/** Pages out: a component rendered by preact-render-to-string, which escapes every text and attribute. */
import type { Response } from 'express';
import type { ComponentChildren, VNode } from 'preact';
import { render } from 'preact-render-to-string';

export function sendPage(res: Response, status: number, page: VNode): void {
  res.status(status).type('html').set('Cache-Control', 'no-store');
  res.send(`<!doctype html>${render(page)}`);
}

/** A piece of a page that htmx swaps in (a list refreshed by the live stream). */
export function sendFragment(res: Response, fragment: VNode): void {
  res.status(200).type('html').set('Cache-Control', 'no-store');
  res.send(render(fragment));
}

export type Children = ComponentChildren;

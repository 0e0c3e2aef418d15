/**
 * A form's daily cap (connectors/site/guard.ts) on the real Redis: one counter per form and UTC
 * day, created with its expiry, that flags submissions past the cap and never refuses one; with
 * Redis away a submission passes without a note.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Widget } from '../../core/repositories/forms.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import { SiteGuard } from '../../connectors/site/guard.ts';
import { formDefinition } from '../../connectors/webform/definition.ts';
import {
  deleteKeys,
  keptLog,
  TEST_REDIS_URL,
  uniquePrefix,
  unreachableRedis,
} from '../helpers/redis.ts';
import { CONTACT_FORM } from '../helpers/site.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const prefix = uniquePrefix('site-guard');
const DAY_SECONDS = 86_400;
let test: TestStore;
let redis: Redis;
let forms: Widget[];

beforeAll(async () => {
  test = await openTestStore('site-guard');
  redis = producerConnection(TEST_REDIS_URL);
  await new Promise((resolve) => redis.once('ready', resolve));
  const { fields, successText, ...about } = CONTACT_FORM;
  const definition = formDefinition.parse({ fields, successText });
  forms = await Promise.all(
    ['capped-a', 'capped-b'].map((slug) =>
      test.store.forms.create(
        'webform',
        { ...about, slug, operatorIds: [], active: true, definition },
        new Date(),
      ),
    ),
  );
});
afterAll(async () => {
  redis.disconnect();
  await deleteKeys(prefix);
  await test.close();
});

const guardOn = (connection: Redis, log = createLogger('silent')) =>
  new SiteGuard({
    repos: { forms: test.store.forms },
    redis: connection,
    queuePrefix: prefix,
    log,
  });

describe('SiteGuard.overDailyCap', () => {
  it('counts each form per UTC day and flags what is past the cap, with the counter expiring', async () => {
    const guard = guardOn(redis);
    const [a, b] = forms as [Widget, Widget];
    const monday = new Date('2031-03-03T10:00:00Z');
    const notes = [];
    for (let i = 0; i < 3; i++) notes.push(await guard.overDailyCap(a, 2, monday));
    expect(notes).toEqual([
      undefined,
      undefined,
      "submission 3 today, over the form's daily cap of 2",
    ]);
    // Another form, and the next day, count on their own.
    expect(await guard.overDailyCap(b, 1, monday)).toBeUndefined();
    expect(await guard.overDailyCap(a, 2, new Date('2031-03-04T00:00:01Z'))).toBeUndefined();
    const counter = `${prefix}:forms:accepted:${a.id}:2031-03-03`;
    expect(await redis.get(counter)).toBe('3');
    const ttl = await redis.ttl(counter);
    expect(ttl).toBeGreaterThan(DAY_SECONDS);
    expect(ttl).toBeLessThanOrEqual(2 * DAY_SECONDS);
  });

  it('lets a submission through without a note while Redis is away, warning now and then', async () => {
    const away = unreachableRedis();
    const { log, logged } = keptLog();
    try {
      const guard = guardOn(away, log);
      const notes = [];
      for (let i = 0; i < 3; i++)
        notes.push(await guard.overDailyCap(forms[0] as Widget, 0, new Date()));
      expect(notes).toEqual([undefined, undefined, undefined]);
      expect(logged.map((line) => line.msg)).toEqual([
        'daily cap not checked (Redis away); submissions are accepted without a review note',
      ]);
    } finally {
      away.disconnect();
    }
  });
});

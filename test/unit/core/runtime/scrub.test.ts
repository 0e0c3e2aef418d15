import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../../../core/runtime/scrub.ts';
import { createLogger } from '../../../../core/runtime/logger.ts';

const token = '7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';

describe('secrets inside error texts', () => {
  it('hides a bot token in a Bot API URL and credentials in a URL', () => {
    expect(
      scrubSecrets(
        `request to https://api.telegram.org/bot${token}/getUpdates failed, reason: ECONNRESET`,
      ),
    ).toBe('request to https://api.telegram.org/bot<token>/getUpdates failed, reason: ECONNRESET');
    expect(scrubSecrets(`token ${token} is wrong`)).toBe('token <token> is wrong');
    expect(scrubSecrets('redis://:s3cret@cache:6379 refused')).toBe(
      'redis://<credentials>@cache:6379 refused',
    );
    expect(scrubSecrets('order 12345 at 10:30, id 42')).toBe('order 12345 at 10:30, id 42');
  });

  it('is applied to every log line, nested errors included', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const captured = createLogger('info', 'test', sink);
    captured.warn(
      { err: new Error(`GET /bot${token}/getMe failed`), channel: 3 },
      `poll failed for bot${token}`,
    );
    expect(lines.join('')).not.toContain(token.split(':')[1]);
    expect(lines.join('')).toContain('bot<token>');
  });
});

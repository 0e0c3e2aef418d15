import { describe, expect, it } from 'vitest';
import { hashVerifyToken, readSettings } from '../../../../connectors/whatsapp/config.ts';
import { whatsappSettingsSupport as settings } from '../../../../connectors/whatsapp/settings.ts';
import { openSecret } from '../../../../core/runtime/secrets.ts';

const KEY = 'k'.repeat(40);
const TOKEN = 'EAAGm0PX4ZCpsBAKZCZAtest-access-token-value';
const BODY = {
  phoneNumberId: '106540352242922',
  accessToken: { value: TOKEN },
  appSecret: { env: 'LEADWIRE_SECRET_WHATSAPP_APP' },
  verifyToken: 'typed-into-meta',
};
const context = (previous?: Record<string, unknown>) => ({
  secretsKey: KEY,
  now: new Date(),
  previous,
});

function prepared(body: Record<string, unknown> = BODY, previous?: Record<string, unknown>) {
  const result = settings.prepare(body, context(previous));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

describe('WhatsApp settings', () => {
  it('seals the token, keeps a hash of the verify token, and fills the defaults', () => {
    const config = prepared();
    expect(settings.valid(config)).toBe(true);
    expect(JSON.stringify(config)).not.toContain(TOKEN);
    expect(JSON.stringify(config)).not.toContain('typed-into-meta');
    const stored = readSettings(config);
    expect(stored).toMatchObject({
      phoneNumberId: '106540352242922',
      appSecret: { env: 'LEADWIRE_SECRET_WHATSAPP_APP' },
      verifyTokenHash: hashVerifyToken('typed-into-meta'),
      apiVersion: 'v26.0',
      maxFileBytes: 16 * 1024 * 1024,
    });
    expect(stored && openSecret(stored.accessToken, KEY, () => undefined)).toBe(TOKEN);
  });

  it('needs every credential for a new channel, and SECRETS_KEY to store a value', () => {
    const result = settings.prepare({ phoneNumberId: '106540352242922' }, context());
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'accessToken', message: 'accessToken is required' },
        { path: 'appSecret', message: 'appSecret is required' },
        { path: 'verifyToken', message: 'verifyToken is required' },
      ],
    });
    const noKey = settings.prepare(BODY, { ...context(), secretsKey: undefined });
    expect(noKey).toMatchObject({
      ok: false,
      issues: [{ path: 'accessToken', message: expect.stringContaining('SECRETS_KEY') }],
    });
    const wrong = settings.prepare(
      { ...BODY, phoneNumberId: '+1 555 078 3881', surprise: 1 },
      context(),
    );
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.issues.map((issue) => issue.path)).toEqual([
      'phoneNumberId',
      '(body)',
    ]);
  });

  it('shows secrets only as {env} or {stored: true}', () => {
    const shown = settings.describe(prepared({ ...BODY, greeting: 'Hola', maxFileMb: 5 }));
    expect(shown).toEqual({
      phoneNumberId: '106540352242922',
      accessToken: { stored: true },
      appSecret: { env: 'LEADWIRE_SECRET_WHATSAPP_APP' },
      verifyToken: { stored: true },
      apiVersion: 'v26.0',
      greeting: 'Hola',
      maxFileMb: 5,
    });
  });

  it('edits keep stored secrets, and a removed greeting goes', () => {
    const config = prepared({ ...BODY, greeting: 'Hola' });
    const edited = settings.edit(settings.describe(config), { greeting: null, maxFileMb: 2 });
    expect(edited.ok).toBe(true);
    if (!edited.ok) return;
    expect(edited.body).not.toHaveProperty('accessToken');
    expect(edited.body).not.toHaveProperty('verifyToken');
    const again = readSettings(prepared(edited.body, config));
    expect(again).toMatchObject({
      accessToken: readSettings(config)?.accessToken,
      verifyTokenHash: hashVerifyToken('typed-into-meta'),
      maxFileBytes: 2 * 1024 * 1024,
    });
    expect(again?.greeting).toBeUndefined();
  });

  it('never lets a stored token follow a new apiRoot', () => {
    const config = prepared();
    const shown = settings.describe(config);
    expect(settings.edit(shown, { apiRoot: 'https://graph.attacker.example' })).toEqual({
      ok: false,
      issue: { path: 'accessToken', message: expect.stringContaining('apiRoot') },
    });
    const body = { ...shown, apiRoot: 'https://graph.attacker.example' };
    delete (body as Record<string, unknown>).accessToken;
    delete (body as Record<string, unknown>).verifyToken;
    expect(settings.prepare(body, context(config))).toMatchObject({
      ok: false,
      issues: [{ path: 'accessToken' }],
    });
    const withToken = settings.edit(shown, {
      apiRoot: 'http://127.0.0.1:9999/',
      accessToken: { value: 'another-token' },
    });
    expect(withToken.ok && readSettings(prepared(withToken.body, config))?.apiRoot).toBe(
      'http://127.0.0.1:9999',
    );
  });
});

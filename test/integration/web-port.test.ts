/** A web process whose port is taken says so in a sentence and exits, with no stack trace. */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem({ label: 'port', web: false });
});
afterAll(() => system.close());

it('refuses a port already in use with what to do', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    const web = system.spawnScript('scripts/web.ts', { PORT: String(port) });
    expect(await web.exited).toBe(1);
    const output = web.logs.join('\n');
    expect(output).toContain(`port ${port} is already in use`);
    expect(output).toContain('set PORT');
    expect(output).not.toMatch(/\n\s+at /);
  } finally {
    taken.close();
  }
});

/** Creating and dropping whole databases on a PostgreSQL server (the bench's, the tests'). */
import pg from 'pg';

/** Names made by Leadwire: letters, digits and `_`, so they need no quoting beyond the quotes. */
const NAME = /^[A-Za-z0-9_]{1,63}$/;

function checked(name: string): string {
  if (!NAME.test(name)) throw new Error(`not a database name Leadwire makes: ${name}`);
  return `"${name}"`;
}

/** Runs one statement on the server's `postgres` database. */
export async function onServer<T extends pg.QueryResultRow>(
  serverUrl: string,
  text: string,
): Promise<T[]> {
  const client = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

export async function createDatabase(serverUrl: string, name: string, template?: string) {
  await onServer(
    serverUrl,
    `CREATE DATABASE ${checked(name)}${template ? ` TEMPLATE ${checked(template)}` : ''}`,
  );
  return `${serverUrl}/${name}`;
}

/** Drops it with whatever connections a killed process left behind. */
export async function dropDatabase(serverUrl: string, name: string) {
  await onServer(serverUrl, `DROP DATABASE IF EXISTS ${checked(name)} WITH (FORCE)`);
}

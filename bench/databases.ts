import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A fresh `bench_…` database on the server of `serverUrl`, dropped (forcefully) by `drop()`. */
export async function createBenchDatabase(serverUrl: string, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_ab_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await adminStatement(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminStatement(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

async function adminStatement(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

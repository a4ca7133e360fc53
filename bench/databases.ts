import { randomBytes } from 'node:crypto';
import { runAdminStatement } from '../tests/helpers/test-database.ts';

/** A fresh `bench_…` database on the server of `serverUrl`, dropped (forcefully) by `drop()`. */
export async function createBenchDatabase(serverUrl: string, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_ab_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await runAdminStatement(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => runAdminStatement(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

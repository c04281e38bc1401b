// Bulk loads are cheaper with secondary indexes and foreign keys out of the way: a B-tree built
// once from sorted input costs a fraction of millions of incremental inserts, and re-adding a
// foreign key validates it with one anti-join instead of a trigger-driven lookup per row (the
// per-row checks made 600k follows and 1M items take most of a minute). Both are dropped and
// re-created INSIDE the loading transaction: DDL is transactional in PostgreSQL, so any failure
// or interruption rolls back to the original indexes and constraints.
//
// Definitions are read from the catalog (pg_indexes, pg_get_constraintdef), so the migrations
// stay the only place that defines them. Primary keys and unique constraints stay: they are what
// makes a duplicate row fail loudly during the load itself.
import type pg from "pg";

export type DeferredConstraints = {
  /** CREATE INDEX statements of the dropped indexes. */
  indexes: string[];
  /** ALTER TABLE … ADD CONSTRAINT statements of the dropped foreign keys. */
  foreignKeys: string[];
};

/** Drops the tables' foreign keys and their indexes not backing a constraint. Call in a transaction. */
export async function dropIndexesAndForeignKeys(client: pg.ClientBase, tables: readonly string[]): Promise<DeferredConstraints> {
  const foreignKeys = await client.query<{ table_name: string; name: string; definition: string }>(
    `SELECT c.relname AS table_name, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
      WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1)
      ORDER BY c.relname, k.conname`,
    [tables],
  );
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexname AS name, i.indexdef AS definition
       FROM pg_indexes i
       JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = i.schemaname::regnamespace
      WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
      ORDER BY i.tablename, i.indexname`,
    [tables],
  );
  for (const key of foreignKeys.rows) await client.query(`ALTER TABLE ${quote(key.table_name)} DROP CONSTRAINT ${quote(key.name)}`);
  for (const index of indexes.rows) await client.query(`DROP INDEX ${quote(index.name)}`);
  return {
    indexes: indexes.rows.map((index) => index.definition),
    foreignKeys: foreignKeys.rows.map((key) => `ALTER TABLE ${quote(key.table_name)} ADD CONSTRAINT ${quote(key.name)} ${key.definition}`),
  };
}

/** Re-creates what dropIndexesAndForeignKeys dropped; `onStep` after each statement. */
export async function restoreIndexesAndForeignKeys(client: pg.ClientBase, deferred: DeferredConstraints, onStep: () => void = () => undefined): Promise<void> {
  // Index builds sort in memory up to this limit; the default 64 MB spills large sorts to disk.
  await client.query("SET LOCAL maintenance_work_mem = '512MB'");
  for (const statement of [...deferred.indexes, ...deferred.foreignKeys]) {
    await client.query(statement);
    onStep();
  }
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

import postgres from 'postgres';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
/** Either a pool or an open transaction: repository functions accept both. */
export type Db = postgres.Sql | postgres.TransactionSql;

export function connect(url: string, opts: { max?: number } = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 20,
    onnotice: () => undefined,
    connect_timeout: 10,
    idle_timeout: 30,
    types: { bigint: postgres.BigInt },
    transform: { undefined: null },
  });
}

/** One round trip: the database answers. */
export async function ping(sql: Sql): Promise<void> {
  await sql`select 1`;
}

import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgArray } from '../../src/db/arrays.js'
import { queryRows } from '../../src/db/sql.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => t?.drop())

describe(`array literals round-trip through the database (${engineName})`, () => {
  it('keeps awkward text exactly, element by element', async () => {
    const values = ['南门处地面存在垃圾', 'a,b', 'say "hi"', 'back\\slash', '{braces}', 'NULL', '', ' spaced ', "it's", '换行\n第二行', null]
    const rows = await queryRows<{ v: string | null; n: unknown }>(t.handle.db, sql`select v, n from unnest(${pgArray(values)}::text[]) with ordinality as x(v, n) order by n`)
    expect(rows.map((r) => r.v)).toEqual(values)
  })

  it('carries numbers, decimals, uuids and nulls', async () => {
    const [row] = await queryRows<{ ints: string; nums: string; ids: string }>(
      t.handle.db,
      sql`select array_to_string(${pgArray([1, 2, null, 40000])}::int[], '|', '∅') as ints,
                 array_to_string(${pgArray(['0.5', '88.365', null])}::numeric[], '|', '∅') as nums,
                 array_to_string(${pgArray(['00000000-0000-4000-8000-000000000001'])}::uuid[], '|') as ids`,
    )
    expect(row).toEqual({ ints: '1|2|∅|40000', nums: '0.5|88.365|∅', ids: '00000000-0000-4000-8000-000000000001' })
  })

  it('handles an empty list', async () => {
    const [row] = await queryRows<{ n: unknown }>(t.handle.db, sql`select cardinality(${pgArray([])}::text[]) as n`)
    expect(Number(row!.n)).toBe(0)
  })
})

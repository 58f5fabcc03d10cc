/**
 * PostgreSQL array literals, so that thousands of values travel as one text parameter
 * (`= any($1::uuid[])`, `unnest($1::int[], …)`) instead of one parameter each. Both engines
 * parse the literal the same way; every element is quoted, so no text can break out of it.
 */
export function pgArray(values: readonly (string | number | null | undefined)[]): string {
  let out = '{'
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ','
    const v = values[i]
    if (v === null || v === undefined) out += 'NULL'
    else if (typeof v === 'number') out += String(v)
    else out += `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  }
  return `${out}}`
}

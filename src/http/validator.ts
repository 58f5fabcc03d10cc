/**
 * Request validation with TypeBox's compiler. This is what @fastify/type-provider-typebox's
 * TypeBoxValidatorCompiler does, without importing that module at run time: it loads
 * ajv-formats on import, which cost over a second of every start-up. The provider is still
 * used, as a type only, for typed request handlers.
 */
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'

const INTEGER_TEXT = /^-?\d{1,20}$/
const NUMBER_TEXT = /^-?\d{1,20}(?:\.\d{1,20})?$/

/**
 * Params, querystring and headers arrive as text: "3" becomes 3 where the schema says integer,
 * "true"/"false" a boolean. Only plainly written values convert (not "1.5" to 1, "0x10" to 16,
 * "" to 0 or "true" to 1, as TypeBox's Value.Convert would), so the check sees what was sent.
 */
function convertText(schema: TSchema, value: unknown): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties
  if (properties === undefined || typeof value !== 'object' || value === null) return value
  const input = value as Record<string, unknown>
  let out: Record<string, unknown> | null = null
  for (const [name, property] of Object.entries(properties)) {
    const text = input[name]
    if (typeof text !== 'string') continue
    let converted: unknown = text
    if (property.type === 'integer' && INTEGER_TEXT.test(text)) converted = Number(text)
    else if (property.type === 'number' && NUMBER_TEXT.test(text)) converted = Number(text)
    else if (property.type === 'boolean' && (text === 'true' || text === 'false')) converted = text === 'true'
    if (converted !== text) (out ??= { ...input })[name] = converted
  }
  return out ?? value
}

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema)
  return (value: unknown) => {
    const converted = httpPart === 'body' ? value : convertText(schema, value)
    if (check.Check(converted)) return { value: converted }
    return { error: check.Errors(converted) as unknown as FastifySchemaValidationError[] }
  }
}

/**
 * Request validation with TypeBox's compiler. This is what @fastify/type-provider-typebox's
 * TypeBoxValidatorCompiler does, without importing that module at run time: it loads
 * ajv-formats on import, which cost over a second of every start-up. The provider is still
 * used, as a type only, for typed request handlers.
 */
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema)
  return (value: unknown) => {
    // Params, querystring and headers arrive as text: convert "3" to 3 where the schema says so.
    const converted = httpPart === 'body' ? value : Value.Convert(schema, value)
    if (check.Check(converted)) return { value: converted }
    return { error: check.Errors(converted) as unknown as FastifySchemaValidationError[] }
  }
}

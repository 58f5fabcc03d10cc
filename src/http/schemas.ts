/** Shared response shapes for the OpenAPI document. */
import Type from 'typebox'

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String(), line: Type.Optional(Type.Integer()) }))),
  },
  { description: 'RFC 9457 problem details' },
)

export const problems = (...statuses: number[]): Record<number, typeof ProblemSchema> =>
  Object.fromEntries(statuses.map((s) => [s, ProblemSchema]))

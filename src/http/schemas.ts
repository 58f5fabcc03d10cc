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

/** A plan of a round's sample (src/domain/credibility/plan.ts RoundPlan). */
export const RoundPlanSchema = Type.Object(
  {
    round: Type.String(),
    basis: Type.Object({ kind: Type.Union([Type.Literal('round'), Type.Literal('prior')]), round: Type.Optional(Type.String({ description: 'the basis round (kind round)' })) }),
    margin: Type.String({ description: 'Δ, points of the total, 2 decimals' }),
    confidence: Type.String({ description: 'c, the gate level, 3 decimals' }),
    power: Type.String({ description: 'π, 3 decimals' }),
    visitsPerPoint: Type.Integer(),
    pointTypes: Type.Array(Type.Object({ pointType: Type.String(), betweenPoints: Type.String(), withinPoint: Type.String(), share: Type.String() })),
    standardError: Type.String({ description: 'the standard error of a unit total the plan aims at' }),
    groups: Type.Array(
      Type.Object({
        group: Type.String(),
        name: Type.String(),
        units: Type.Array(
          Type.Object({
            unit: Type.String(),
            name: Type.String(),
            points: Type.Array(Type.Object({ pointType: Type.String(), needed: Type.Integer(), registered: Type.Integer() })),
            standardError: Type.String(),
            resolvable: Type.Boolean(),
          }),
        ),
      }),
    ),
    resolvable: Type.Boolean({ description: 'every unit of every group reaches the target' }),
  },
  { description: 'points per type each unit needs so that a true margin Δ at the bottom opens the confidence gate c with probability π' },
)

/** A group's settle recommendation (src/domain/scoring/types.ts SettlePlan). */
export const SettlePlanSchema = Type.Object({
  target: Type.String(),
  current: Type.Object({ unit: Type.String(), pLast: Type.String() }),
  visits: Type.Integer(),
  expected: Type.String(),
  reaches: Type.Boolean(),
  extra: Type.Array(Type.Object({ unit: Type.String(), pointType: Type.String(), visits: Type.Integer(), points: Type.Array(Type.String()) })),
})

/** An accepted settle plan with its progress (src/services/settle.ts). */
export const AcceptedSettlePlanSchema = Type.Object({
  id: Type.Integer(),
  round: Type.String(),
  group: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('done')]),
  acceptedAt: Type.String(),
  acceptedBy: Type.String(),
  doneAt: Type.Union([Type.String(), Type.Null()]),
  plan: SettlePlanSchema,
  progress: Type.Object({
    planned: Type.Integer(),
    recorded: Type.Integer(),
    complete: Type.Boolean(),
    points: Type.Array(Type.Object({ unit: Type.String(), pointType: Type.String(), point: Type.Union([Type.String(), Type.Null()]), planned: Type.Integer(), recorded: Type.Integer() })),
  }),
})

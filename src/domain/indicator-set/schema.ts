/**
 * The indicator-set file format (SPEC §3) as a TypeBox schema. The schema checks shape
 * only; the rules that need the whole tree (unique codes, weights summing to 1, per ≤
 * points, inherited point types and components) live in validate.ts.
 *
 * Numbers are decimal text. The YAML reader hands every number over as the text it was
 * written as, so `points: 2.50` arrives here as "2.50" and never passes through a float.
 */
import Type from 'typebox'

/**
 * Longest texts: a name or title, and a standard's wording or a description. Generous for any
 * real checklist; they bound what a request body can make the server store and render.
 */
export const NAME_MAX = 200
export const LONG_TEXT_MAX = 4000
const Text = Type.String({ minLength: 1, maxLength: NAME_MAX })
const LongText = Type.String({ minLength: 1, maxLength: LONG_TEXT_MAX })
const Description = Type.String({ maxLength: LONG_TEXT_MAX })
const DecimalText = Type.String({ minLength: 1, maxLength: 64, description: 'a decimal number written as text, e.g. "0.5"' })

export const SetCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 64 })
export const SetVersion = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 32 })
/**
 * Codes of nodes, components, point types, and (src/domain/round/schema.ts) of rounds, series,
 * groups, units and points: any characters but white space, "@" and control characters, so
 * Chinese-prefixed checklist codes such as 公交-01-01 are codes. URL parameters naming them
 * use the same pattern (src/http/params.ts).
 */
export const CODE_PATTERN = '^[^\\s@\\u0000-\\u001f\\u007f]+$'
export const CODE_MAX = 64
export const NodeCode = Type.String({ pattern: CODE_PATTERN, maxLength: CODE_MAX })

export const RuleKinds = ['deduct', 'check', 'gate', 'measure', 'direct'] as const
export type RuleKind = (typeof RuleKinds)[number]
/** Rules scored from visits and their findings; the others take one value per unit. */
export const VisitRuleKinds: readonly RuleKind[] = ['deduct', 'check', 'gate']

export const RuleSchema = Type.Object(
  {
    kind: Type.Union(RuleKinds.map((k) => Type.Literal(k))),
    per: Type.Optional(DecimalText),
    scope: Type.Optional(Type.Union([Type.Literal('point'), Type.Literal('unit')])),
    target: Type.Optional(DecimalText),
    unit: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  },
  { additionalProperties: false },
)

export const ComponentSchema = Type.Object(
  {
    code: NodeCode,
    name: Text,
    weight: DecimalText,
    source: Type.Union([Type.Literal('findings'), Type.Literal('external')]),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
)

export const PointTypeSchema = Type.Object(
  { code: NodeCode, name: Text, description: Type.Optional(Description) },
  { additionalProperties: false },
)

/**
 * One node of the tree. A node with `children` is an indicator (测评项目/内容); a node
 * without is a standard (测评标准) and needs `points` and `rule`. One object type rather
 * than a union keeps the error messages about the field that is wrong.
 */
export const NodeSchema = Type.Cyclic(
  {
    Node: Type.Object(
      {
        code: NodeCode,
        name: Type.Optional(Text),
        text: Type.Optional(LongText),
        component: Type.Optional(NodeCode),
        pointTypes: Type.Optional(Type.Array(NodeCode)),
        points: Type.Optional(DecimalText),
        rule: Type.Optional(RuleSchema),
        method: Type.Optional(Description),
        children: Type.Optional(Type.Array(Type.Ref('Node'))),
      },
      { additionalProperties: false },
    ),
  },
  'Node',
)

export const IndicatorSetFileSchema = Type.Object(
  {
    code: SetCode,
    version: SetVersion,
    name: Text,
    description: Type.Optional(Description),
    naPolicy: Type.Optional(Type.Union([Type.Literal('exclude'), Type.Literal('peer-mean')])),
    components: Type.Array(ComponentSchema, { minItems: 1 }),
    pointTypes: Type.Optional(Type.Array(PointTypeSchema)),
    indicators: Type.Optional(Type.Array(NodeSchema)),
  },
  { additionalProperties: false },
)

export type IndicatorSetFile = Type.Static<typeof IndicatorSetFileSchema>
export type NodeFile = Type.Static<typeof NodeSchema>
export type RuleFile = Type.Static<typeof RuleSchema>

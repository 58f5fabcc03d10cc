/**
 * The round file (SPEC §6.1) as a TypeBox schema: shape only. Selectors, lists and everything
 * that needs the indicator set are checked in validate.ts.
 */
import Type from 'typebox'
import { CODE_MAX, CODE_PATTERN, LONG_TEXT_MAX, NAME_MAX, NodeCode } from '../indicator-set/schema.js'

const Text = Type.String({ minLength: 1, maxLength: NAME_MAX })
const OptionalText = Type.String({ maxLength: NAME_MAX })
const LongText = Type.String({ maxLength: LONG_TEXT_MAX })
const DecimalText = Type.String({ minLength: 1, maxLength: 64 })
const Code = Type.String({ pattern: CODE_PATTERN, maxLength: CODE_MAX })

export const ConsequencesSchema = Type.Object(
  {
    minGroupSize: Type.Optional(Type.Unknown()),
    transfers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            payer: Type.Unknown(),
            payee: Type.Unknown(),
            amount: DecimalText,
            ties: Type.Optional(Type.Union([Type.Literal('split'), Type.Literal('skip')])),
            /** Confidence gate (SPEC §5): a probability in (0, 1], e.g. "0.9"; checked in validate.ts. */
            minConfidence: Type.Optional(DecimalText),
            /** Withhold unless the selected units are at least `indifference` from their neighbours (SPEC §5); checked in validate.ts. */
            requireMargin: Type.Optional(Type.Boolean()),
            note: Type.Optional(LongText),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    lists: Type.Optional(Type.Object({ red: Type.Optional(Type.Unknown()), black: Type.Optional(Type.Unknown()) }, { additionalProperties: false })),
    selfCriticism: Type.Optional(Type.Unknown()),
    escalation: Type.Optional(Type.Array(Text)),
    /** Indifference margin δ (SPEC §5), points of the total, e.g. "0.50"; checked in validate.ts. */
    indifference: Type.Optional(DecimalText),
  },
  { additionalProperties: false },
)

export const RoundFileSchema = Type.Object(
  {
    code: Code,
    series: Code,
    name: Text,
    indicatorSet: Type.String({ minLength: 3, maxLength: 100, description: 'code@version' }),
    period: Type.Object({ from: Type.String({ maxLength: 32 }), to: Type.String({ maxLength: 32 }) }, { additionalProperties: false }),
    evaluator: Text,
    tiebreak: Type.Optional(Type.Array(Type.String({ maxLength: 100 }))),
    consequences: Type.Optional(ConsequencesSchema),
    groups: Type.Array(
      Type.Object(
        {
          code: Code,
          name: Text,
          weights: Type.Optional(Type.Record(Type.String(), DecimalText)),
          consequences: Type.Optional(ConsequencesSchema),
          units: Type.Array(
            Type.Object({ code: Code, name: Text, head: Type.Optional(OptionalText) }, { additionalProperties: false }),
            { minItems: 1 },
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    points: Type.Optional(
      Type.Array(
        Type.Object(
          {
            code: Code,
            name: Text,
            type: NodeCode,
            unit: Code,
            address: Type.Optional(LongText),
            lat: Type.Optional(DecimalText),
            lng: Type.Optional(DecimalText),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
)

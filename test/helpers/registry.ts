/**
 * The point registry a round file gives, as the scoring service builds it from the points table
 * (src/services/scoring.ts roundRegistry) when every point is active: point codes by unit and
 * point type, every unit of the round present. For pure analyses to compare with the database's.
 */
import type { Registry } from '../../src/domain/credibility/index.js'
import type { RoundDefinition } from '../../src/domain/round/validate.js'

export function registryOf(def: RoundDefinition): Registry {
  const registry: Record<string, Record<string, string[]>> = {}
  for (const g of def.groups) for (const u of g.units) registry[u.code] = {}
  for (const p of def.points) ((registry[p.unit] ??= {})[p.type] ??= []).push(p.code)
  for (const byType of Object.values(registry)) for (const list of Object.values(byType)) list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return registry
}

/**
 * Prepares the embedded database template once before the test files run in parallel, so no
 * worker pays for initdb and none races another to create it.
 */
import { ensureTemplate } from '../src/db/template.js'

export default async function setup(): Promise<void> {
  await ensureTemplate()
}

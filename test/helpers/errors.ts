/**
 * The error of a kind that a call fails with: the test fails when the call succeeds or fails
 * with anything else (that error is thrown on, unchanged).
 */
export async function thrownBy<E extends Error>(call: Promise<unknown>, kind: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await call
  } catch (error) {
    if (error instanceof kind) return error
    throw error
  }
  throw new Error(`expected a ${kind.name}, but the call succeeded`)
}

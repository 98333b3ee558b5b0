/**
 * How many inputs a property or fuzz test tries: `defaultRuns` in `npm test`, or
 * SLUICE_FUZZ_RUNS when `npm run fuzz` asks for a long run (e.g. a million inputs).
 */
export function fuzzRuns(defaultRuns: number): { numRuns: number } {
  const asked = Number(process.env.SLUICE_FUZZ_RUNS);
  return { numRuns: Number.isInteger(asked) && asked > 0 ? asked : defaultRuns };
}

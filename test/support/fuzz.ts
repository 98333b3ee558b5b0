/**
 * How many inputs a property or fuzz test tries, and from which seed.
 * In `npm test`: `defaultRuns` inputs from a fixed seed, so a run is reproducible and CI never turns
 * red on an input no earlier run saw. `npm run fuzz` sets SLUICE_FUZZ_RUNS (e.g. a million inputs)
 * and explores from a random seed; fast-check prints the seed of any failure to replay it.
 */
const FIXED_SEED = 20261130;

export function fuzzRuns(defaultRuns: number): { numRuns: number; seed?: number } {
  const asked = Number(process.env.SLUICE_FUZZ_RUNS);
  if (Number.isInteger(asked) && asked > 0) return { numRuns: asked };
  return { numRuns: defaultRuns, seed: FIXED_SEED };
}

/** Where a hooks subcommand prints its lines (the console, or a test's capture). */
export type Output = (line: string) => void;

/** Query timings over a loaded database; filled in with the incident search service. */
export async function runQueryBench(database: string): Promise<void> {
  void database;
}

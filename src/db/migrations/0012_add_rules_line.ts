import { type Kysely } from 'kysely';

/*
 * Incident rules that survive a crash (docs/pipeline.md, "Incident rules"): the rules run after a
 * batch commits, so a worker that dies between the two would leave the batch's events without
 * them, and the resumed report would start after the batch. `rules_line` is the checkpoint of the
 * rules: every line ≤ rules_line has been through them. A report resumed with
 * rules_line < lines_done runs the rules on the events it stored in between first.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('raw_reports')
    .addColumn('rules_line', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('raw_reports').dropColumn('rules_line').execute();
}

import type { Kysely } from 'kysely';

/*
 * The directory's uniqueness rules: an organisation lists a network, an ASN or a domain once
 * (imports and concurrent edits add idempotently), and the lookups by organisation key stay fast.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('org_networks_org_cidr_uq')
    .on('org_networks')
    .columns(['organisation_id', 'cidr'])
    .unique()
    .execute();
  await db.schema
    .createIndex('org_asns_org_asn_uq')
    .on('org_asns')
    .columns(['organisation_id', 'asn'])
    .unique()
    .execute();
  await db.schema
    .createIndex('org_domains_org_domain_uq')
    .on('org_domains')
    .columns(['organisation_id', 'domain'])
    .unique()
    .execute();
  await db.schema
    .createIndex('organisations_kind_abbr_idx')
    .on('organisations')
    .columns(['kind', 'abbreviation'])
    .execute();
  await db.schema.createIndex('organisations_branch_idx').on('organisations').column('branch_code').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'organisations_branch_idx',
    'organisations_kind_abbr_idx',
    'org_domains_org_domain_uq',
    'org_asns_org_asn_uq',
    'org_networks_org_cidr_uq',
  ]) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
}

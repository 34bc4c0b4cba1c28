import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The one way tests reach the shared, read-only material beside the project (`../shared`):
 * external corpora (feeds, captures, abuse reports, CSAF, …) and the seed report's figures. It is
 * read in place at test time and never copied into the repository (licences).
 */
export function sharedPath(...parts: string[]): string {
  const file = path.resolve(ROOT, '../shared', ...parts);
  if (!existsSync(file))
    throw new Error(`shared test material missing: ${file} (expected ../shared beside the project)`);
  return file;
}

export function corpusPath(...parts: string[]): string {
  return sharedPath('corpus', ...parts);
}

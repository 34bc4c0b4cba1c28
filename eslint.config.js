// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The dependency rule (docs/architecture.md §2), as import restrictions per layer. */
const DB_LIBS = ['kysely', 'kysely/*', 'better-sqlite3', 'pg'];
const layer = (files, patterns, message) => ({
  files,
  ignores: ['**/*.test.ts', '**/*.test.tsx'],
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', '.tmp/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer(
    ['src/core/**'],
    [
      '**/services/**',
      '**/db/**',
      '**/http/**',
      '**/cli/**',
      '**/pipeline/**',
      '**/monitors/**',
      '**/reports/**',
      '**/mail/**',
      '**/main/**',
      '**/config/**',
      'node:fs',
      'node:net',
      'node:http',
      'hono',
      'hono/*',
      'pino',
      ...DB_LIBS,
    ],
    'core is pure domain: it imports nothing but small pure libraries (zod, ipaddr.js)',
  ),
  layer(
    ['src/services/**'],
    ['**/db/**', '**/http/**', '**/cli/**', '**/main/**', 'hono', 'hono/*', ...DB_LIBS],
    'services use core and their ports; db/ implements the ports',
  ),
  layer(
    ['src/db/**'],
    [
      '**/http/**',
      '**/cli/**',
      '**/main/**',
      '**/pipeline/**',
      '**/monitors/**',
      '**/reports/**',
      '**/mail/**',
    ],
    'db implements services/ports and knows nothing above it',
  ),
  layer(
    ['src/http/**', 'src/cli/**', 'src/pipeline/**', 'src/monitors/**', 'src/reports/**', 'src/mail/**'],
    ['**/db/**', '**/main/**', ...DB_LIBS],
    'interfaces use services and core, never db; only main/ wires concrete things together',
  ),
  {
    files: ['bin/**', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);

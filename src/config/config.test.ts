import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, pipelineBatchSize, resolveDatabase } from './config.ts';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.http.port).toBe(8080);
    expect(c.http.host).toBe('127.0.0.1');
    expect(c.slaHours.critical).toBe(4);
    expect(Object.isFrozen(c.http)).toBe(true);
  });

  it('reads environment over the config file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'certops-config-'));
    const file = path.join(dir, 'certops.yaml');
    writeFileSync(file, 'http:\n  port: 9000\nslaHours:\n  high: 12\n');
    const c = loadConfig({ env: { CERTOPS_CONFIG: file, CERTOPS_HOST: '0.0.0.0' } });
    expect(c.http.port).toBe(9000);
    expect(c.http.host).toBe('0.0.0.0');
    expect(c.slaHours.high).toBe(12);
    expect(c.slaHours.low).toBe(168);
    const c2 = loadConfig({ env: { CERTOPS_CONFIG: file, CERTOPS_PORT: '9100' } });
    expect(c2.http.port).toBe(9100);
  });

  it('names the setting in one line when a value is wrong', () => {
    expect(() => loadConfig({ env: { CERTOPS_PORT: 'eighty' } })).toThrow(
      new ConfigError('config: CERTOPS_PORT: expected a number, got "eighty"'),
    );
    expect(() => loadConfig({ env: { CERTOPS_PORT: '70000' } })).toThrow(/^config: http\.port: /);
    expect(() => loadConfig({ env: { CERTOPS_LANGUAGE: 'fr' } })).toThrow(/^config: language: /);
    expect(() => loadConfig({ env: { CERTOPS_CONFIG: '/nonexistent/certops.json' } })).toThrow(
      /^config: cannot read config file \/nonexistent\/certops.json: ENOENT/,
    );
  });

  it('resolves the database', () => {
    expect(resolveDatabase(loadConfig({ env: { CERTOPS_DATA_DIR: '/tmp/x' } }))).toEqual({
      dialect: 'sqlite',
      file: '/tmp/x/certops.db',
    });
    expect(resolveDatabase(loadConfig({ env: { DATABASE_URL: 'postgres://u@127.0.0.1:5/db' } }))).toEqual({
      dialect: 'postgres',
      url: 'postgres://u@127.0.0.1:5/db',
    });
    expect(() => resolveDatabase(loadConfig({ env: { DATABASE_URL: 'mysql://x' } }))).toThrow(
      /^config: databaseUrl/,
    );
  });

  it('sizes pipeline batches by database unless pipeline.batchSize is set', () => {
    expect(pipelineBatchSize(loadConfig({ env: { CERTOPS_DATA_DIR: '/tmp/x' } }))).toBe(4_000);
    expect(pipelineBatchSize(loadConfig({ env: { DATABASE_URL: 'postgres://u@127.0.0.1:5/db' } }))).toBe(
      10_000,
    );
    const set = { pipeline: { batchSize: 2_500 } };
    expect(pipelineBatchSize(loadConfig({ env: {}, overrides: set }))).toBe(2_500);
    expect(
      pipelineBatchSize(loadConfig({ env: { DATABASE_URL: 'postgres://u@127.0.0.1:5/db' }, overrides: set })),
    ).toBe(2_500);
    expect(() => loadConfig({ env: {}, overrides: { pipeline: { batchSize: 0 } } })).toThrow(
      /^config: pipeline\.batchSize: /,
    );
  });
});

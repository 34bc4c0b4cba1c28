import { describe, expect, it } from 'vitest';
import { bambenekC2Parser, familyOf } from './bambenek-c2.parser.ts';
import { collect, failures, fromStrings, goldenSuite, REPORT_TIME } from './lib/golden.testkit.ts';

const ctx = (fileName: string) => ({ feedName: 'f', fileName, reportTime: REPORT_TIME, options: {} });

goldenSuite(bambenekC2Parser, 'bambenek-c2', ['c2-ipmasterlist.txt', 'c2-dommasterlist.txt']);

describe('bambenek-c2', () => {
  it('reads the family from the description', () => {
    expect(familyOf('IP used by shiotob/urlzone/bebloh C&C')).toBe('bebloh');
    expect(familyOf('Domain used by Cryptolocker - Flashback DGA for 13 Apr 2016')).toBe(
      'cryptolocker - flashback',
    );
    expect(familyOf('Domain used by pykspa')).toBe('pykspa');
  });

  it('refuses an indicator that is neither an address nor a domain', async () => {
    const outcomes = await collect(
      bambenekC2Parser,
      fromStrings('## x\nnot valid!,IP used by x C&C,2016-11-12 18:02,http://m\n'),
      ctx('c2-ipmasterlist.txt'),
    );
    expect(failures(outcomes)[0]).toMatchObject({
      line: 2,
      error: 'source.fqdn: "not valid!" is neither an IP address nor a domain name',
    });
  });
});

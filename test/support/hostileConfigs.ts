// Documents that once blocked the language server for 10–72 s or overflowed its stack (issue 11),
// and their largest forms still under the size limit, which are parsed in full.
export const hostileConfigs: Record<string, () => string> = {
  /** Each list holds the one before twice: 2^n values from 100 KB of text. */
  'alias chain, 100 KB': () => {
    const lines = ['a0: &a0 [x, x]'];
    for (let i = 1, size = lines[0].length; size < 100_000; i++) size += lines[lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`) - 1].length + 1;
    return lines.join('\n');
  },
  'one-line map of 40,000 keys, 580 KB': () => `{${Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`).join(', ')}}`,
  '4,000 duplicate keys, 32 KB': () => Array.from({ length: 4_000 }, () => 'name: x').join('\n'),
  'flow nesting of 10^6 levels': () => '['.repeat(1_000_000),
  'one-line map of 18,000 keys, just under 256 KB': () => {
    const pairs: string[] = [];
    for (let i = 0, size = 2; size < 260_000; i++) size += pairs[pairs.push(`k${i}: ${i}`) - 1].length + 2;
    return `{${pairs.join(', ')}}`;
  },
  '32,000 duplicate keys, just under 256 KB': () => Array.from({ length: 32_000 }, () => 'name: x').join('\n'),
};

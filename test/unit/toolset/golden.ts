import { expect } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export function goldenPath(name: string): string {
  return fileURLToPath(new URL(`../../golden/${name}`, import.meta.url));
}

/**
 * Compares `actual` byte for byte with test/golden/<name>. With UPDATE_GOLDEN=1 the file is (re)written first;
 * review the diff of a regenerated golden file before keeping it.
 */
export function expectGolden(name: string, actual: string): void {
  const path = goldenPath(name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing; run with UPDATE_GOLDEN=1 once and review it`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

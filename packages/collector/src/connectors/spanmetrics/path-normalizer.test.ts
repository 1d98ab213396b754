import { describe, expect, it } from 'vitest';
import { createSpanNameNormalizer, isIdSegment, normalizeSpanName } from './path-normalizer.js';

describe('normalizeSpanName', () => {
  it.each([
    ['GET /users/123', 'GET /users/{id}'],
    ['GET /users/123/orders/42', 'GET /users/{id}/orders/{id}'],
    ['POST /orders/9f1c2a7e-1b2c-4d5e-8f90-a1b2c3d4e5f6/items', 'POST /orders/{id}/items'],
    ['/blobs/5f2b9c0e1d3a4b6c', '/blobs/{id}'],
    ['GET /search?q=shoes&page=2', 'GET /search'],
    ['GET /u/jane.doe%40example.com', 'GET /u/{id}'],
    ['GET /tokens/01HZX3K9V7Q2M8N4P6R5T1W0YB', 'GET /tokens/{id}'],
    ['GET /invoices/INV-20240117', 'GET /invoices/{id}'],
    ['DELETE /v1/items/7', 'DELETE /v1/items/{id}'],
  ])('%s → %s', (name, expected) => {
    expect(normalizeSpanName(name)).toBe(expected);
  });

  it.each(['GET /api/v2/users', 'GET /users/:id', 'GET /users/{userId}', 'SELECT orders', 'process payment 123', 'GET', 'checkout', 'GET /oauth2/callback', 'GET /ipv4/lookup'])(
    'leaves %s alone',
    (name) => {
      expect(normalizeSpanName(name)).toBe(name);
    },
  );

  it('tells ids from route words', () => {
    expect(isIdSegment('123')).toBe(true);
    expect(isIdSegment('abcdef12')).toBe(true);
    expect(isIdSegment('users')).toBe(false);
    expect(isIdSegment('v1')).toBe(false);
    expect(isIdSegment('')).toBe(false);
  });

  it('caches results and stays bounded', () => {
    const normalize = createSpanNameNormalizer(2);
    for (let i = 0; i < 10; i++) expect(normalize(`GET /a/${i}`)).toBe('GET /a/{id}');
    expect(normalize('GET /a/b')).toBe('GET /a/b');
  });
});

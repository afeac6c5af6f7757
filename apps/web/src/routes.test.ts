import { describe, expect, it } from 'vitest';
import { safeReturnPath } from './auth/sign-in.ts';
import { pathOf, routeOf } from './routes.ts';

describe('routes', () => {
  it('maps the app addresses both ways', () => {
    for (const path of ['/', '/join', '/consultations/4f1c2d3e-aa']) {
      expect(pathOf(routeOf(path))).toBe(path);
    }
    expect(routeOf('/consultations/../../etc')).toEqual({ name: 'home' });
    expect(routeOf('/anything-else')).toEqual({ name: 'home' });
  });
});

describe('safeReturnPath (where a sign-in returns to)', () => {
  it('keeps paths of this app and refuses anything that could leave it', () => {
    expect(safeReturnPath('/join')).toBe('/join');
    expect(safeReturnPath('/consultations/abc-1')).toBe('/consultations/abc-1');
    for (const evil of [
      '//evil.example/',
      'https://evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
      '/join?x=<script>',
      '',
    ]) {
      expect(safeReturnPath(evil), evil).toBe('/');
    }
  });
});

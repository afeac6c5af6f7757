import { describe, expect, it } from 'vitest';
import { describeError, initialLanguage, messagesFor } from './i18n.ts';

/** Every leaf of a catalogue, by path, with its type (string, function or object). */
function shape(value: unknown, path = ''): string[] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, inner]) => shape(inner, `${path}.${key}`));
  }
  return [`${path}: ${Array.isArray(value) ? `array(${value.length})` : typeof value}`];
}

describe('languages', () => {
  it('picks the remembered choice, else the first Norwegian or English preference, else bokmål', () => {
    expect(initialLanguage('en', ['nb-NO'])).toBe('en');
    expect(initialLanguage(null, ['nn-NO', 'en'])).toBe('nb');
    expect(initialLanguage(null, ['no'])).toBe('nb');
    expect(initialLanguage(null, ['de-DE', 'en-GB'])).toBe('en');
    expect(initialLanguage(null, ['sv-SE'])).toBe('nb');
    expect(initialLanguage('xx', [])).toBe('nb');
  });

  it('has the same texts in bokmål and English, none empty', () => {
    const nb = messagesFor('nb');
    const en = messagesFor('en');
    expect(shape(nb)).toEqual(shape(en));
    const strings = JSON.stringify(nb) + JSON.stringify(en);
    expect(strings).not.toContain('""');
    expect(nb.call.arrived('Kari')).toContain('Kari');
    expect(nb.signIn.title).not.toBe(en.signIn.title);
  });

  it('says known errors in the language, and unknown ones by their own message', () => {
    const nb = messagesFor('nb');
    expect(describeError(nb, { code: 'forbidden', message: 'only hosts' })).toBe(
      nb.errors.forbidden,
    );
    expect(describeError(nb, { code: 'internal', message: 'join failed on the server' })).toContain(
      'join failed on the server',
    );
  });
});

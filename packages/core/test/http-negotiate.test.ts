import { prefersHtml, prefersJson } from '../src/web/request';
import { BROWSER_ACCEPT } from './support/guard-request';

describe('prefersHtml', () => {
  it.each([
    [BROWSER_ACCEPT, true],
    ['text/html', true],
    ['text/html, application/json;q=0.9', true],
    ['text/*', true],
    ['text/html;q=0.8, */*;q=0.8', true],
    ['application/json;q=0, */*', true],
    ['text/html;q=0.8, application/*;q=0.8', true],
    // Safari's old default
    ['application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5', true],
  ])('%j -> page', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });

  it.each([
    [undefined],
    [''],
    ['*/*'],
    ['application/json'],
    ['application/json, text/plain, */*'],
    ['application/json, text/html'],
    ['text/html;q=0.5, application/json'],
    ['text/html;q=0, */*'],
    ['text/*;q=0.5, */*'],
    ['application/*, text/html;q=0.9'],
    ['garbage'],
    ['text/html;q=abc'],
  ])('%j -> JSON', (accept) => {
    expect(prefersHtml(accept)).toBe(false);
  });
});

describe('prefersJson', () => {
  it.each([
    ['application/json', true],
    ['application/json, text/html;q=0.5', true],
    ['application/json, text/plain, */*', true],
    [undefined, false],
    ['*/*', false],
    ['application/*', false],
    [BROWSER_ACCEPT, false],
    ['application/json, text/html', false],
  ])('%j -> %s', (accept, expected) => {
    expect(prefersJson(accept)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { Router } from './router.js';

describe('Router', () => {
  it('matches static and parametric templates and decodes parameters', () => {
    const r = new Router<string>();
    r.add(['GET'], '/items', 'list');
    r.add(['GET'], '/items/{item_id}', 'read');
    r.add(['GET'], '/files/{file_path:path}', 'file');
    r.add(['GET'], '/shots/{name}.{ext}', 'shot');
    expect(r.find('GET', '/items')).toEqual({ kind: 'found', value: 'list', params: {} });
    expect(r.find('GET', '/items/a%20b')).toEqual({ kind: 'found', value: 'read', params: { item_id: 'a b' } });
    expect(r.find('GET', '/files/a/b/c.txt')).toEqual({ kind: 'found', value: 'file', params: { file_path: 'a/b/c.txt' } });
    expect(r.find('GET', '/shots/cat.png')).toEqual({ kind: 'found', value: 'shot', params: { name: 'cat', ext: 'png' } });
    // Greedy, as Starlette's [^/]+ is.
    expect(r.find('GET', '/shots/a.b.png')).toEqual({ kind: 'found', value: 'shot', params: { name: 'a.b', ext: 'png' } });
    expect(r.find('GET', '/items/')).toEqual({ kind: 'not-found' });
    expect(r.find('GET', '/nothing')).toEqual({ kind: 'not-found' });
  });

  it('reads segments in place: root, trailing slashes, empty segments and rest parameters', () => {
    const r = new Router<string>();
    r.add(['GET'], '/', 'root');
    r.add(['GET'], '/items/', 'items-slash');
    r.add(['GET'], '/items/{id}', 'item');
    r.add(['GET'], '/items/{id}/tags/{tag}', 'tag');
    r.add(['GET'], '/files/{p:path}', 'file');
    expect(r.find('GET', '/')).toEqual({ kind: 'found', value: 'root', params: {} });
    expect(r.find('GET', '/items/')).toEqual({ kind: 'found', value: 'items-slash', params: {} });
    expect(r.find('GET', '/items/7/tags/a%2Fb')).toEqual({ kind: 'found', value: 'tag', params: { id: '7', tag: 'a/b' } });
    expect(r.find('GET', '/items//tags/x')).toEqual({ kind: 'not-found' });
    expect(r.find('GET', '/items/7/')).toEqual({ kind: 'not-found' });
    expect(r.find('GET', '/files/')).toEqual({ kind: 'found', value: 'file', params: { p: '' } });
    expect(r.find('GET', '/files/a//b/')).toEqual({ kind: 'found', value: 'file', params: { p: 'a//b/' } });
    expect(r.find('GET', '/files')).toEqual({ kind: 'not-found' });
  });

  it('lets the route declared first win, as Starlette does', () => {
    const paramFirst = new Router<string>();
    paramFirst.add(['GET'], '/users/{user_id}', 'user');
    paramFirst.add(['GET'], '/users/me', 'me');
    expect(paramFirst.find('GET', '/users/me')).toMatchObject({ value: 'user', params: { user_id: 'me' } });

    const staticFirst = new Router<string>();
    staticFirst.add(['GET'], '/users/me', 'me');
    staticFirst.add(['GET'], '/users/{user_id}', 'user');
    expect(staticFirst.find('GET', '/users/me')).toMatchObject({ value: 'me' });
    expect(staticFirst.find('GET', '/users/7')).toMatchObject({ value: 'user', params: { user_id: '7' } });
  });

  it('orders several matches of one path by declaration, whatever their kind, and shares nothing mutable', () => {
    const r = new Router<string>();
    r.add(['POST'], '/a/{x:path}', 'rest');
    r.add(['PUT'], '/a/{x}.{y}', 'pattern');
    r.add(['PATCH'], '/a/{x}', 'param');
    r.add(['DELETE'], '/a/b.c', 'static');
    r.add(['GET'], '/a/{x}', 'param-get');
    for (let round = 0; round < 2; round++) {
      expect(r.find('POST', '/a/b.c')).toEqual({ kind: 'found', value: 'rest', params: { x: 'b.c' } });
      expect(r.find('PUT', '/a/b.c')).toEqual({ kind: 'found', value: 'pattern', params: { x: 'b', y: 'c' } });
      expect(r.find('PATCH', '/a/b.c')).toEqual({ kind: 'found', value: 'param', params: { x: 'b.c' } });
      expect(r.find('DELETE', '/a/b.c')).toEqual({ kind: 'found', value: 'static', params: {} });
      expect(r.find('OPTIONS', '/a/b.c')).toEqual({ kind: 'method-not-allowed', allowed: ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'] });
    }
    // A static path's matches are computed once and shared: their params cannot be changed.
    const shared = r.find('GET', '/a/b.c');
    expect(Object.isFrozen(shared.kind === 'found' && shared.params)).toBe(true);
    // A dynamic path's params are its own.
    const first = r.find('GET', '/a/one');
    expect(first).toEqual({ kind: 'found', value: 'param-get', params: { x: 'one' } });
    expect(r.find('GET', '/a/two')).toEqual({ kind: 'found', value: 'param-get', params: { x: 'two' } });
    expect(first).toEqual({ kind: 'found', value: 'param-get', params: { x: 'one' } });
  });

  it('builds params as plain own properties, whatever the names', () => {
    const r = new Router<string>();
    r.add(['GET'], '/p/{__proto__}/{constructor}', 'odd');
    const found = r.find('GET', '/p/x/y');
    expect(found).toEqual({ kind: 'found', value: 'odd', params: { ['__proto__']: 'x', constructor: 'y' } });
    const params = found.kind === 'found' ? found.params : {};
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor']);
  });

  it('reports the methods a path accepts when the method does not match', () => {
    const r = new Router<string>();
    r.add(['GET', 'HEAD'], '/items/{id}', 'read');
    r.add(['DELETE'], '/items/{id}', 'delete');
    expect(r.find('POST', '/items/1')).toEqual({ kind: 'method-not-allowed', allowed: ['GET', 'HEAD', 'DELETE'] });
    expect(r.find('DELETE', '/items/1')).toMatchObject({ kind: 'found', value: 'delete' });
  });

  it('refuses malformed templates', () => {
    const r = new Router<string>();
    expect(() => r.add(['GET'], 'items', 'x')).toThrow(/must start with/);
    expect(() => r.add(['GET'], '/items/{id:int}', 'x')).toThrow(/unsupported converter/);
    expect(() => r.add(['GET'], '/a/{p:path}/b', 'x')).toThrow(/whole last segment/);
    expect(() => r.add(['GET'], '/a/{id}/{id}', 'x')).toThrow(/appears twice/);
    expect(() => r.add(['GET'], '/a/{id', 'x')).toThrow(/malformed/);
  });
});

import { describe, expect, it } from 'vitest';
import { FastTsError } from '../errors/codes.js';
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

  it('refuses a method declared twice for one template, parameter names aside, naming both routes', () => {
    const r = new Router<{ label: string }>();
    r.add(['GET', 'HEAD'], '/a/{x}/b', { label: 'A.first' });
    r.add(['POST'], '/a/{x}/b', { label: 'A.post' });
    let thrown: unknown;
    try {
      r.add(['PUT', 'GET'], '/a/{y}/b', { label: 'B.second' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FastTsError);
    expect((thrown as FastTsError).code).toBe('FASTTS_ERR_ROUTE_DUPLICATE');
    expect((thrown as FastTsError).message).toBe(
      'B.second: GET /a/{y}/b is already declared by A.first as /a/{x}/b; parameter names aside it is the same template, so the later route would never run',
    );
    // The refused route is not added.
    expect(r.find('PUT', '/a/1/b')).toEqual({ kind: 'method-not-allowed', allowed: ['GET', 'HEAD', 'POST'] });

    const labelled = new Router<number>({ label: (n) => `route #${n}` });
    labelled.add(['GET'], '/f/{a}.{b}', 1);
    expect(() => labelled.add(['GET'], '/f/{c}.{d}', 2)).toThrow('route #2: GET /f/{c}.{d} is already declared by route #1 as /f/{a}.{b}');
    labelled.add(['GET'], '/f/{a}-{b}', 3);
    labelled.add(['GET'], '/f/{a}', 4);
    labelled.add(['GET'], '/f/{a:path}', 5);
    expect(() => labelled.add(['GET'], '/f/{b:path}', 6)).toThrow('route #6: GET /f/{b:path} is already declared by route #5 as /f/{a:path}');
  });

  it('leaves HEAD out of the duplicate check: the app adds it to GET routes, and an explicit HEAD route first takes it over', () => {
    const headFirst = new Router<string>();
    headFirst.add(['HEAD'], '/probe', 'head');
    headFirst.add(['GET', 'HEAD'], '/probe', 'get');
    expect(headFirst.find('HEAD', '/probe')).toMatchObject({ value: 'head' });
    expect(headFirst.shadowed()).toEqual([]);

    // An explicit HEAD route after a GET one never runs: reported, not refused.
    const getFirst = new Router<string>();
    getFirst.add(['GET', 'HEAD'], '/probe', 'get');
    getFirst.add(['HEAD'], '/probe', 'head');
    expect(getFirst.shadowed()).toEqual([{ earlier: 'get', later: 'head', methods: ['HEAD'] }]);
  });

  it('reports a later route that an earlier one always takes, since the first declared wins', () => {
    const r = new Router<string>();
    r.add(['GET', 'HEAD'], '/users/{id}', 'user');
    r.add(['GET', 'HEAD'], '/users/me', 'me');
    r.add(['DELETE'], '/users/me', 'delete-me');
    r.add(['GET', 'HEAD'], '/users/', 'users-slash');
    r.add(['GET'], '/files/{p:path}', 'files');
    r.add(['GET'], '/files/a/b', 'file-ab');
    r.add(['GET'], '/files/', 'files-slash');
    r.add(['GET'], '/files', 'files-bare');
    r.add(['GET'], '/shots/{name}.{ext}', 'shot');
    r.add(['GET'], '/shots/cat.png', 'cat');
    r.add(['GET'], '/shots/{name}.tar.gz', 'tarball');
    r.add(['GET'], '/shots/cat', 'no-dot');
    expect(r.find('GET', '/users/me')).toMatchObject({ value: 'user' });
    expect(r.shadowed()).toEqual([
      { earlier: 'user', later: 'me', methods: ['GET', 'HEAD'] },
      { earlier: 'files', later: 'file-ab', methods: ['GET'] },
      { earlier: 'files', later: 'files-slash', methods: ['GET'] },
      { earlier: 'shot', later: 'cat', methods: ['GET'] },
    ]);
  });

  it('reports a later route whose methods several earlier ones take, and not one that still answers a method', () => {
    const r = new Router<string>();
    r.add(['GET'], '/u/{id}', 'get');
    r.add(['DELETE'], '/u/{id}', 'delete');
    r.add(['GET', 'DELETE'], '/u/me', 'me');
    r.add(['GET', 'PUT'], '/u/you', 'you');
    // Each takes some paths of the other (`/u/me/x`), neither all of them.
    r.add(['GET'], '/u/{id}/x', 'x');
    r.add(['GET'], '/u/me/{x}', 'me-x');
    expect(r.shadowed()).toEqual([
      { earlier: 'get', later: 'me', methods: ['GET'] },
      { earlier: 'delete', later: 'me', methods: ['DELETE'] },
    ]);
  });

  it('reports nothing when static routes come first, as FastAPI\'s docs advise', () => {
    const r = new Router<string>();
    r.add(['GET'], '/users/me', 'me');
    r.add(['GET'], '/users/{id}', 'user');
    r.add(['GET'], '/items/', 'slash');
    r.add(['GET'], '/items/{id}', 'item');
    r.add(['GET'], '/files/a', 'a');
    r.add(['GET'], '/files/{p:path}', 'files');
    expect(r.shadowed()).toEqual([]);
  });
});

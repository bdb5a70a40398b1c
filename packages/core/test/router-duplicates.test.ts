import { describe, expect, it } from 'vitest';
import { App, Controller, FastTsError, Get, Head, Path, Post, Route } from '@fastts/core';
import { memoryLogger } from './helpers.js';

// Issue 15, defect 8: a route declared twice, with the same method and template,
// was accepted and the second one silently never ran.

function compileError(app: App): FastTsError {
  try {
    app.compile();
  } catch (err) {
    return err as FastTsError;
  }
  throw new Error('compile() accepted the routes');
}

describe('duplicate routes', () => {
  it('are refused across controllers, naming both routes, the method and the template', () => {
    @Controller('/users')
    class Users {
      @Get('/{id}')
      read(@Path('id') id: string) {
        return { id };
      }
    }
    @Controller()
    class Legacy {
      @Route(['POST', 'GET'], '/users/{user_id}')
      old(@Path('user_id') id: string) {
        return { id };
      }
    }
    const err = compileError(new App({ logger: false }).include(Users).include(Legacy));
    expect(err).toBeInstanceOf(FastTsError);
    expect(err.code).toBe('FASTTS_ERR_ROUTE_DUPLICATE');
    expect(err.message).toContain('Users.read');
    expect(err.message).toContain('Legacy.old');
    expect(err.message).toContain('GET /users/{user_id}');
    expect(err.message).toContain('/users/{id}');
  });

  it('are refused within one controller, whatever the parameters are named', () => {
    @Controller('/a')
    class Twice {
      @Post('/{x}.{ext}')
      first(@Path('x') x: string) {
        return x;
      }

      @Post('/{y}.{kind}')
      second(@Path('y') y: string) {
        return y;
      }
    }
    const err = compileError(new App({ logger: false }).include(Twice));
    expect(err.code).toBe('FASTTS_ERR_ROUTE_DUPLICATE');
    expect(err.message).toContain('Twice.first');
    expect(err.message).toContain('Twice.second');
  });

  it('are refused when one controller is included twice under the same prefix', () => {
    @Controller()
    class Ping {
      @Get('/ping')
      ping() {
        return 'pong';
      }
    }
    expect(compileError(new App({ logger: false }).include(Ping).include(Ping)).code).toBe('FASTTS_ERR_ROUTE_DUPLICATE');
    expect(() => new App({ logger: false }).include(Ping).include(Ping, { prefix: '/v2' }).compile()).not.toThrow();
  });

  it('leave other methods, other templates and an explicit HEAD route alone', () => {
    @Controller()
    class Fine {
      @Head('/probe')
      probe() {
        return null;
      }

      // Its HEAD, which the app adds to every GET route, goes to the explicit route above.
      @Get('/probe')
      get() {
        return 'body';
      }

      @Post('/probe')
      post() {
        return 'posted';
      }

      @Get('/probe/')
      slash() {
        return 'slash';
      }

      @Get('/{name}.txt')
      txt(@Path('name') name: string) {
        return name;
      }

      @Get('/{name}.md')
      md(@Path('name') name: string) {
        return name;
      }
    }
    expect(() => new App({ logger: false }).include(Fine).compile()).not.toThrow();
  });
});

describe('shadowed routes', () => {
  it('compile with a warning that names the route that never runs and the one that takes its paths', () => {
    const logger = memoryLogger();
    @Controller('/users')
    class Users {
      @Get('/{user_id}')
      read(@Path('user_id') id: string) {
        return { id };
      }

      @Get('/me')
      me() {
        return { me: true };
      }

      @Post('/me')
      touch() {
        return {};
      }
    }
    new App({ logger }).include(Users).compile();
    const warnings = logger.entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toEqual({ earlier: 'Users.read', later: 'Users.me', methods: ['GET', 'HEAD'], path: '/users/me' });
    expect(warnings[0]!.msg).toContain('never runs');
  });
});

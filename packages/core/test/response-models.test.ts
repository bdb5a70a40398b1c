import { Exclude, Expose, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, MinLength, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { App, Controller, Get, JSONResponse, ResponseValidationError } from '@fastts/core';
import { LiveTestClient, TestClient } from '@fastts/testing';
import { memoryLogger } from './helpers.js';

class Address {
  @IsString()
  city!: string;
}

class UserOut {
  @IsString()
  name!: string;

  @IsInt()
  age!: number;

  @Exclude()
  @IsOptional()
  @IsString()
  internalNote?: string;

  @Expose()
  nickname?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => Address)
  address?: Address;
}

class Named {
  @IsString()
  @MinLength(3)
  name!: string;
}

@Controller()
class Users {
  @Get('/user', { responseModel: UserOut })
  user() {
    return { name: 'ann', age: 30, password: 'secret', internalNote: 'vip', nickname: 'a', address: { city: 'Oslo', zip: '0150' } };
  }

  @Get('/users', { responseModel: [UserOut] })
  users() {
    return [{ name: 'ann', age: 30, password: 'x' }, { name: 'bob', age: 4, token: 'y' }];
  }

  @Get('/broken', { responseModel: UserOut })
  broken() {
    return { name: 'ann', password: 'secret' };
  }

  @Get('/short', { responseModel: Named })
  short() {
    return { name: 'al' };
  }

  @Get('/names', { responseModel: [Named] })
  names() {
    return [{ name: 'plain' }, { name: 'Zoë' }, { name: 'emoji 😀' }, { name: 'quote " and \\' }];
  }

  @Get('/bypass', { responseModel: UserOut })
  bypass() {
    return new JSONResponse({ anything: true });
  }
}

describe('response models', () => {
  it('sends only the model\'s fields, honouring @Exclude and @Expose, nested and in lists', async () => {
    const client = new TestClient(new App({ logger: false }).include(Users));
    expect((await client.get('/user')).json()).toEqual({ name: 'ann', age: 30, nickname: 'a', address: { city: 'Oslo' } });
    expect((await client.get('/users')).json()).toEqual([
      { name: 'ann', age: 30 },
      { name: 'bob', age: 4 },
    ]);
    expect((await client.get('/bypass')).json()).toEqual({ anything: true });
  });

  it('sends a Content-Length that counts bytes, ASCII or not, over a real socket', async () => {
    const client = await LiveTestClient.start(new App({ logger: false }).include(Users));
    try {
      for (const path of ['/user', '/names']) {
        const res = await client.get(path);
        expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
      }
      expect((await client.get('/names')).json()).toEqual([{ name: 'plain' }, { name: 'Zoë' }, { name: 'emoji 😀' }, { name: 'quote " and \\' }]);
    } finally {
      await client.close();
    }
  });

  it('answers 500 and logs, never sends, output that breaks the model', async () => {
    const logger = memoryLogger();
    const client = new TestClient(new App({ logger }).include(Users), { raiseServerExceptions: false });
    const res = await client.get('/broken');
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
    expect(res.text).not.toContain('secret');
    const err = logger.entries.find((e) => e.msg === 'unhandled error')?.obj['err'] as ResponseValidationError;
    expect(err).toBeInstanceOf(ResponseValidationError);
    expect(err.issues).toEqual([{ type: 'missing', loc: ['response', 'age'], msg: 'Field required', input: { name: 'ann', password: 'secret' } }]);
    expect((await client.get('/short')).status).toBe(500);
  });
});

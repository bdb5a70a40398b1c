// NestJS 11 on fastify (@nestjs/platform-fastify): a module, a controller,
// class-validator DTOs through the global ValidationPipe, and providers
// injected into each other for the dependency chain.
import 'reflect-metadata';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Injectable,
  Module,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Res,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsArray, IsNumber, IsOptional, IsPositive, IsString, Length } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { NAME_MAX, NAME_MIN } from '../shared/item.js';
import { bigPayload } from '../shared/payload.js';
import { completed, recordTask, slowTask } from '../shared/tasks.js';

class CreateItemDto {
  @IsString()
  @Length(NAME_MIN, NAME_MAX)
  name!: string;

  @IsNumber()
  @IsPositive()
  price!: number;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];
}

// Three nested dependencies as providers: Nest builds the graph (c → b → a)
// once at start-up (default singleton scope); a request calls through it.
@Injectable()
class DepC {
  value(): number {
    return 1;
  }
}

@Injectable()
class DepB {
  constructor(private readonly c: DepC) {}

  value(): number {
    return this.c.value() + 1;
  }
}

@Injectable()
class DepA {
  constructor(private readonly b: DepB) {}

  value(): number {
    return this.b.value() + 1;
  }
}

const big = bigPayload();

@Controller()
class BenchController {
  constructor(private readonly chain: DepA) {}

  @Get('hello')
  hello() {
    return { message: 'hello' };
  }

  @Get('items/:id')
  readItem(@Param('id', new ParseIntPipe({ errorHttpStatusCode: HttpStatus.UNPROCESSABLE_ENTITY })) id: number, @Query('q') q?: string) {
    return { item_id: id, q: q ?? null };
  }

  @Post('items')
  createItem(@Body() item: CreateItemDto) {
    return item;
  }

  // Background work: Nest has no after-response API; the fastify reply's raw
  // ServerResponse says when the response has been written.
  @Post('bg')
  @HttpCode(200)
  bg(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.raw.once('finish', () => recordTask('bg'));
    return { ok: true };
  }

  @Post('bg-slow')
  @HttpCode(200)
  bgSlow(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.raw.once('finish', () => void slowTask('bg-slow'));
    return { ok: true };
  }

  @Get('bg-count')
  bgCount() {
    return { count: completed.length };
  }

  @Get('big')
  big() {
    return big;
  }

  @Get('deps')
  deps() {
    return { value: this.chain.value() };
  }
}

@Module({ controllers: [BenchController], providers: [DepA, DepB, DepC] })
class AppModule {}

const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true, errorHttpStatusCode: HttpStatus.UNPROCESSABLE_ENTITY }));
await app.listen(Number(process.env['PORT'] ?? 8000), process.env['HOST'] ?? '127.0.0.1');

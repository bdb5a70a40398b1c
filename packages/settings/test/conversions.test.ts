import { IsArray, IsBoolean, IsDate, IsInt, IsNumber, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Env, loadSettings, SettingsError } from '@fastts/settings';

class Database {
  @IsString() host!: string;
  @IsInt() @Min(1) port!: number;
}

class Everything {
  @IsString() name = 'app';
  @IsInt() workers = 1;
  @IsNumber() ratio = 0.5;
  @IsBoolean() debug = false;
  @IsDate() since = new Date(0);
  @IsArray() @IsString({ each: true }) origins: string[] = [];
  @Env({ type: [Number] }) @IsInt({ each: true }) ports: number[] = [];
  @Env() labels: Record<string, string> = {};
  @ValidateNested() database = new Database();
  @IsOptional() @IsString() optional?: string;
  @IsOptional() @IsString() union: string | undefined;
  @IsOptional() @Max(10) @Env({ type: Number }) limit: number | null = null;
}

const load = (env: Record<string, string>) => loadSettings(Everything, { env: { DATABASE: '{"host":"db","port":5432}', ...env } });

describe('conversions from text', () => {
  it('reads each field as its design type', () => {
    const s = load({ NAME: 'api', WORKERS: '4', RATIO: '0.25', DEBUG: 'true', SINCE: '2026-01-02T03:04:05Z', LABELS: '{"team":"web"}' });
    expect(s).toBeInstanceOf(Everything);
    expect([s.name, s.workers, s.ratio, s.debug, s.since.toISOString(), s.labels]).toEqual(['api', 4, 0.25, true, '2026-01-02T03:04:05.000Z', { team: 'web' }]);
  });

  it("reads booleans from 'true', 'false', '1' and '0', in any case", () => {
    const read = (text: string) => load({ DEBUG: text }).debug;
    expect(['true', 'TRUE', '1', 'false', 'False', '0'].map(read)).toEqual([true, true, true, false, false, false]);
    expect(() => read('yes')).toThrow('DEBUG: must be true, false, 1 or 0 (type)');
  });

  it('refuses a number that is not one, and empty text', () => {
    expect(() => load({ WORKERS: 'four' })).toThrow('WORKERS: must be a number (type)');
    expect(() => load({ WORKERS: '' })).toThrow('WORKERS: must be a number (type)');
    expect(() => load({ WORKERS: '2.5' })).toThrow('WORKERS: must be an integer number (isInt)');
  });

  it('reads lists comma-separated or as a JSON array, items converted to the list type', () => {
    expect(load({ ORIGINS: 'https://a.example, https://b.example' }).origins).toEqual(['https://a.example', 'https://b.example']);
    expect(load({ ORIGINS: '["x,y"]' }).origins).toEqual(['x,y']);
    expect(load({ ORIGINS: '' }).origins).toEqual([]);
    expect(load({ PORTS: '8000,8001' }).ports).toEqual([8000, 8001]);
    expect(load({ PORTS: '[8000, "8001"]' }).ports).toEqual([8000, 8001]);
    expect(() => load({ PORTS: '8000,http' })).toThrow('PORTS: item 1 must be a number (type)');
    expect(() => load({ PORTS: '[8000' })).toThrow('PORTS: must be JSON (type)');
  });

  it('reads a nested class from JSON and runs its rules under @ValidateNested', () => {
    const s = load({});
    expect(s.database).toBeInstanceOf(Database);
    expect(s.database).toEqual({ host: 'db', port: 5432 });
    expect(() => load({ DATABASE: '{"host":"db","port":0}' })).toThrow('DATABASE (database.port): must not be less than 1 (min)');
    expect(() => load({ DATABASE: '[1]' })).toThrow('DATABASE: must be a JSON object (Database) (type)');
  });

  it('reads `?` fields by their design type, and unions by their class-validator type rule or @Env({ type })', () => {
    const s = load({ OPTIONAL: '42', UNION: '42', LIMIT: '7' });
    expect([s.optional, s.union, s.limit]).toEqual(['42', '42', 7]);
    const absent = load({});
    expect([absent.optional, absent.union, absent.limit]).toEqual([undefined, undefined, null]);
  });

  it('refuses at load a field whose type nothing names', () => {
    class Ambiguous {
      @Env() apiKey!: string;
    }
    // No design:type at all, as tsx and esbuild compile (they emit no decorator metadata).
    Reflect.deleteMetadata('design:type', Ambiguous.prototype, 'apiKey');
    const error = (() => {
      try {
        loadSettings(Ambiguous, { env: {} });
      } catch (e) {
        return e as SettingsError;
      }
    })();
    expect(error).toBeInstanceOf(SettingsError);
    expect(error!.code).toBe('FASTTS_ERR_SETTINGS_FIELD_TYPE');
    expect(error!.message).toContain("Ambiguous: field 'apiKey' has no type that can be read from text (its design type is missing");
  });
});

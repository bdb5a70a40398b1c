import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, BackgroundTask, Controller, FileResponse, Get, Path, PlainTextResponse, type AppOptions } from '@fastts/core';

/** Greetings sent so far, written by the background task. */
export const greetings: string[] = [];

export async function recordGreeting(name: string, bytes: number): Promise<void> {
  greetings.push(`greeted ${name} (${bytes} bytes)`);
}

/** Where exports are written before they are sent; EXPORT_DIR overrides it. Read at call time. */
export const exportDir = () => process.env['EXPORT_DIR'] ?? tmpdir();

export async function removeExport(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export const USERS = [
  { id: 1, name: 'Ada' },
  { id: 2, name: 'Grace' },
];

@Controller()
export class ReportController {
  /** The task needs the rendered body, so it is attached once the response exists. */
  @Get('/hello/{name}')
  hello(@Path('name') name: string): PlainTextResponse {
    const response = new PlainTextResponse(`Hello, ${name}!`);
    response.background = new BackgroundTask(recordGreeting, name, Buffer.byteLength(response.body));
    return response;
  }

  /** A file made for one download, deleted once it has been sent. */
  @Get('/users.csv')
  async exportUsers(): Promise<FileResponse> {
    const dir = await mkdtemp(join(exportDir(), 'users-'));
    const path = join(dir, 'users.csv');
    await writeFile(path, ['id,name', ...USERS.map((u) => `${u.id},${u.name}`)].join('\n') + '\n');
    const response = new FileResponse(path, { filename: 'users.csv', mediaType: 'text/csv' });
    response.background = new BackgroundTask(removeExport, dir);
    return response;
  }
}

export function createApp(options: AppOptions = {}): App {
  return new App(options).include(ReportController);
}

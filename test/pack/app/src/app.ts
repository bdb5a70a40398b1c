// The app that test/pack/pack.test.ts installs from the packed tarballs and
// compiles with plain tsc, as a project outside this repository would.
import { appendFile } from 'node:fs/promises';
import { App, BackgroundTasks, Body, Controller, Post, type AppOptions } from '@fastts/core';
import { IsEmail, IsString, ValidateNested } from '@fastts/core/validators';
import { serveDocs } from '@fastts/openapi';
import { TaskRuntime, TasksController, defineTask } from '@fastts/tasks';
import { Type } from 'class-transformer';

/** Where the tasks append; OUT_FILE overrides it. */
const outFile = () => process.env['OUT_FILE'] ?? 'signups.txt';

export class Address {
  @IsString()
  city!: string;
}

export class Signup {
  @IsEmail()
  email!: string;

  @ValidateNested()
  @Type(() => Address)
  address!: Address;
}

export async function recordSignup(signup: Signup): Promise<void> {
  await appendFile(outFile(), `signup ${signup.email} from ${signup.address.city}\n`);
}

export const sendWelcome = defineTask('send-welcome', async (email: string) => {
  await appendFile(outFile(), `welcome ${email}\n`);
});

@Controller()
export class SignupController {
  @Post('/signups', { statusCode: 202 })
  signup(@Body() signup: Signup, tasks: BackgroundTasks) {
    tasks.addTask(recordSignup, signup);
    const welcome = tasks.addTask(sendWelcome, signup.email);
    return { email: signup.email, task_id: welcome.id };
  }
}

export function createApp(options: AppOptions = {}): App {
  const app = new App(options).include(SignupController);
  const runtime = new TaskRuntime().attach(app);
  app.include(new TasksController(runtime)); // GET /tasks/{task_id}
  serveDocs(app, { title: 'Signups', version: '1.0.0' }); // /openapi.json, /docs, /redoc
  return app;
}

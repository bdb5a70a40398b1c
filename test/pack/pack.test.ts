import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { children, poll, run, signalGroup, startServer } from './processes.js';
import { readTarball } from './tarball.js';
import { exportedSubpaths, publishablePackages, snapshotWorkspace, specifier, type PackageManifest, type Publishable } from './workspace.js';

// What a user gets from npm: every publishable package packed with `npm pack`
// (its prepack builds it, from a copy without dist/ as in a fresh clone),
// linted with publint and attw, installed from the tarballs into an empty
// project, compiled with plain tsc and run with node. The app is test/pack/app.

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = join(root, 'test', 'pack', 'app');
const bin = (pkg: string, file: string) => join(root, 'node_modules', pkg, file);
const installedVersion = async (pkg: string) => (JSON.parse(await readFile(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as PackageManifest).version;

interface Packed extends Publishable {
  tarball: string;
  files: Map<string, Buffer>;
}

let scratch: string;
let packages: Packed[];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'fastts-pack-'));
  const workspace = join(scratch, 'workspace');
  const tarballs = join(scratch, 'tarballs');
  await mkdir(tarballs);
  const publishable = await publishablePackages(root);
  await snapshotWorkspace(root, workspace, publishable);
  // core one patch ahead of the packages that peer-depend on it: the skew that
  // installed a second core under each of them when they pinned it exactly.
  const coreManifest = join(workspace, 'packages', 'core', 'package.json');
  const core = JSON.parse(await readFile(coreManifest, 'utf8')) as PackageManifest;
  core.version = core.version.replace(/\d+$/, (patch) => String(Number(patch) + 1));
  await writeFile(coreManifest, `${JSON.stringify(core, null, 2)}\n`);

  packages = [];
  for (const pkg of publishable) {
    const before = new Set(await readdir(tarballs));
    // Sequential: each prepack rebuilds core's dist/, which the next one compiles against.
    await run('npm', ['pack', '--pack-destination', tarballs], { cwd: join(workspace, 'packages', pkg.folder), timeoutMs: 120_000 });
    const made = (await readdir(tarballs)).filter((file) => !before.has(file));
    expect(made, `npm pack of ${pkg.name}`).toHaveLength(1);
    const tarball = join(tarballs, made[0]!);
    const files = await readTarball(tarball);
    const manifest = JSON.parse(files.get('package.json')!.toString('utf8')) as PackageManifest;
    packages.push({ ...pkg, version: manifest.version, manifest, tarball, files });
  }
}, 300_000);

afterAll(async () => {
  for (const child of children) signalGroup(child, 'SIGKILL');
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the built JS, declarations and README of every package, and every file its exports name', () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@fastts/core', '@fastts/testing', '@fastts/openapi', '@fastts/tasks']));
    for (const { name, manifest, files } of packages) {
      expect([...files.keys()], name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
      const subpaths = exportedSubpaths(manifest);
      expect(subpaths.size, `${name} exports`).toBeGreaterThan(0);
      for (const [subpath, targets] of subpaths) {
        expect(targets.some((t) => t.endsWith('.d.ts')) && targets.some((t) => t.endsWith('.js')), `${name} ${subpath}: types and JS`).toBe(true);
        for (const target of targets) expect(files.has(posix.normalize(target)), `${name} ${subpath} -> ${target}`).toBe(true);
      }
      // Every built module comes with its declarations; tests stay home.
      for (const path of files.keys()) {
        expect(path, name).not.toMatch(/\.test\.[cm]?[jt]s$/);
        if (path.startsWith('dist/') && path.endsWith('.js')) expect(files.has(path.replace(/\.js$/, '.d.ts')), `${name} ${path}`).toBe(true);
      }
    }
    const openapi = packages.find((p) => p.name === '@fastts/openapi')!;
    expect([...openapi.files.keys()]).toEqual(expect.arrayContaining(['vendor/redoc/redoc.standalone.js', 'vendor/redoc/LICENSE']));
    const tasks = packages.find((p) => p.name === '@fastts/tasks')!;
    expect([...tasks.files.keys()]).toEqual(expect.arrayContaining(['worker/run-export.mjs', 'bin/fastts-worker.mjs', 'dashboard/index.html', 'dashboard/dashboard.js', 'dashboard/dashboard.css']));
  });

  it('ships no source map that points at a file outside the tarball', () => {
    // dist/ only: vendor/redoc's bundle is shipped byte for byte (its sha256 is checked),
    // comment naming redoc's unshipped map included; a browser's devtools get a 404 for it.
    for (const { name, files } of packages) {
      for (const [path, content] of files) {
        if (!path.startsWith('dist/')) continue;
        const dir = posix.dirname(path);
        if (path.endsWith('.js')) {
          const map = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(content.toString('utf8'))?.[1];
          if (map && !map.startsWith('data:')) expect(files.has(posix.join(dir, map)), `${name} ${path} -> ${map}`).toBe(true);
        }
        if (path.endsWith('.map')) {
          const { sources, sourceRoot = '' } = JSON.parse(content.toString('utf8')) as { sources: string[]; sourceRoot?: string };
          for (const source of sources) expect(files.has(posix.join(dir, sourceRoot, source)), `${name} ${path} -> ${source}`).toBe(true);
        }
      }
    }
  });

  it('has license, repository with its directory, and public access', () => {
    for (const { name, folder, manifest } of packages) {
      const m = manifest as PackageManifest & { license?: string; repository?: { url?: string; directory?: string }; publishConfig?: { access?: string } };
      expect(m.license, name).toBe('MIT');
      expect(m.repository?.url, name).toMatch(/^git\+https:\/\/.+\.git$/);
      expect(m.repository?.directory, name).toBe(`packages/${folder}`);
      expect(m.publishConfig?.access, name).toBe('public');
    }
  });

  it('makes @fastts/core a peer of the other packages, never a dependency', () => {
    for (const { name, manifest } of packages) {
      if (name === '@fastts/core') continue;
      expect(manifest.dependencies?.['@fastts/core'], name).toBeUndefined();
      // @fastts/settings reads the environment before any app exists, and @fastts/static is a
      // node:http handler: neither imports core.
      if (name !== '@fastts/settings' && name !== '@fastts/static') expect(manifest.peerDependencies?.['@fastts/core'], name).toMatch(/^\^/);
    }
  });

  it('passes publint, warnings included', async () => {
    for (const { tarball } of packages) await run(process.execPath, [bin('publint', 'src/cli.js'), 'run', tarball, '--strict'], { cwd: scratch, timeoutMs: 60_000 });
  }, 120_000);

  it('passes attw for an ESM-only package, offline', async () => {
    // esm-only: these packages are ESM (`"type": "module"`, no require condition), so
    // attw's node10 and require-from-CJS checks do not apply. Node 20.19 can require() them anyway.
    for (const { tarball } of packages) {
      await run(process.execPath, [bin('@arethetypeswrong/cli', 'dist/index.js'), tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color'], { cwd: scratch, timeoutMs: 60_000 });
    }
  }, 120_000);
});

describe('installed from the tarballs into an empty project', () => {
  let app: string;

  beforeAll(async () => {
    app = join(scratch, 'app');
    await cp(fixture, app, { recursive: true, filter: (path) => !/[/\\](dist|node_modules)$/.test(path) });
    // The versions this repository installed, so the npm cache answers. class-validator
    // is not named: npm installs it as the packages' peer. class-transformer is, because
    // the app imports it (@Type), as docs/own-project.md says to.
    const tools = await Promise.all(['class-transformer', 'typescript', '@types/node'].map(async (pkg) => `${pkg}@${await installedVersion(pkg)}`));
    await run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', ...packages.map((p) => p.tarball), ...tools], { cwd: app, timeoutMs: 240_000 });
    await run('npm', ['run', 'build'], { cwd: app, timeoutMs: 120_000 });
  }, 400_000);

  it('holds one copy each of @fastts/core, class-validator and class-transformer', async () => {
    const copies = await findPackages(join(app, 'node_modules'), ['@fastts/core', 'class-validator', 'class-transformer', 'reflect-metadata']);
    for (const name of ['@fastts/core', 'class-validator', 'class-transformer']) expect(copies.get(name), name).toEqual([join(app, 'node_modules', name)]);
    const core = packages.find((p) => p.name === '@fastts/core')!;
    const installed = JSON.parse(await readFile(join(app, 'node_modules', '@fastts', 'core', 'package.json'), 'utf8')) as PackageManifest;
    expect(installed.version).toBe(core.version);
    expect(packages.find((p) => p.name === '@fastts/tasks')!.version, 'the skew the test installs').not.toBe(core.version);
  });

  it('loads every subpath each package exports, from node_modules, with import and with require', async () => {
    const specifiers = packages.flatMap(({ name, manifest }) => [...exportedSubpaths(manifest).keys()].map((subpath) => specifier(name, subpath)));
    const imported = await run(
      process.execPath,
      ['--input-type=module', '-e', 'const urls = []; for (const s of process.argv.slice(1)) { await import(s); urls.push(import.meta.resolve(s)); } console.log(JSON.stringify(urls));', ...specifiers],
      { cwd: app, timeoutMs: 30_000 },
    );
    const urls = JSON.parse(imported) as string[];
    expect(urls).toHaveLength(specifiers.length);
    for (const url of urls) expect(url.startsWith(pathToFileURL(join(app, 'node_modules')).href), url).toBe(true);
    // The packages are ESM only; Node 20.19 and later load them with require() too (no top-level await).
    const required = await run(
      process.execPath,
      ['--input-type=commonjs', '-e', 'console.log(JSON.stringify(process.argv.slice(1).map((s) => Object.keys(require(s)).length)));', ...specifiers],
      { cwd: app, timeoutMs: 30_000 },
    );
    for (const count of JSON.parse(required) as number[]) expect(count).toBeGreaterThan(0);
  });

  it('serves with node: a request whose background tasks write a file, the docs, the task status; exits 0 on SIGTERM', async () => {
    const outFile = join(scratch, 'signups.txt');
    // `npm start` is `node dist/main.js`; started directly, its exit code is node's.
    const server = await startServer(process.execPath, ['dist/main.js'], app, { OUT_FILE: outFile, LOG_LEVEL: 'warn' }, 15_000);
    try {
      const res = await fetch(`${server.url}/signups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@example.com', address: { city: 'London' } }),
        signal: AbortSignal.timeout(5_000),
      });
      expect(res.status).toBe(202);
      const { task_id } = (await res.json()) as { task_id: string };
      const expected = 'signup ada@example.com from London\nwelcome ada@example.com\n';
      await poll(() => readFile(outFile, 'utf8').then((text) => (text === expected ? text : undefined), () => undefined), 10_000, `${outFile} to hold both lines`);

      // TasksController from @fastts/tasks, included in an app of @fastts/core: one core, one decorator registry.
      const state = await poll(async () => {
        const status = await fetch(`${server.url}/tasks/${task_id}`, { signal: AbortSignal.timeout(5_000) });
        expect(status.status).toBe(200);
        const { state } = (await status.json()) as { state: string };
        return state === 'succeeded' ? state : undefined;
      }, 10_000, 'the welcome task to succeed');
      expect(state).toBe('succeeded');

      const openapi = await fetch(`${server.url}/openapi.json`, { signal: AbortSignal.timeout(5_000) });
      expect(await openapi.json()).toMatchObject({ openapi: '3.1.0', paths: { '/signups': { post: {} }, '/tasks/{task_id}': { get: {} } } });
      for (const path of ['/docs', '/docs/assets/swagger-ui-bundle.js', '/redoc']) {
        const page = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(5_000) });
        expect(page.status, path).toBe(200);
        await page.arrayBuffer();
      }
      // ReDoc comes from the package's vendor/ folder, found from the installed dist/.
      const redoc = await fetch(`${server.url}/redoc/assets/redoc.standalone.js`, { signal: AbortSignal.timeout(5_000) });
      expect(redoc.status).toBe(200);
      const shipped = packages.find((p) => p.name === '@fastts/openapi')!.files.get('vendor/redoc/redoc.standalone.js')!;
      expect(Buffer.from(await redoc.arrayBuffer()).equals(shipped)).toBe(true);
    } catch (err) {
      await server.stop(10_000);
      throw Object.assign(err as Error, { message: `${(err as Error).message}\n--- server output ---\n${server.output()}` });
    }
    expect(await server.stop(10_000), server.output()).toBe(0);
  });

  it("passes the app's own test: npm test (tsc, then node --test with TestClient)", async () => {
    await run('npm', ['test'], { cwd: app, timeoutMs: 120_000 });
  }, 130_000);

  it('answers under npm run dev (tsc --watch and node --watch)', async () => {
    const server = await startServer('npm', ['run', 'dev'], app, { OUT_FILE: join(scratch, 'dev.txt'), LOG_LEVEL: 'warn' }, 60_000);
    try {
      // node --watch restarts the server when tsc --watch writes dist/ again: ask until it answers.
      const status = await poll(() => fetch(`${server.url}/openapi.json`, { signal: AbortSignal.timeout(5_000) }).then((res) => res.status, () => undefined), 30_000, 'the docs under npm run dev');
      expect(status).toBe(200);
    } finally {
      await server.stop(5_000);
    }
  }, 90_000);
});

/** Where each of `names` is installed under `modules`, nested copies included. */
async function findPackages(modules: string, names: string[], found = new Map<string, string[]>()): Promise<Map<string, string[]>> {
  for (const entry of await readdir(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dirs = entry.name.startsWith('@') ? (await readdir(join(modules, entry.name))).map((sub) => `${entry.name}/${sub}`) : [entry.name];
    for (const name of dirs) {
      const dir = join(modules, name);
      if (names.includes(name)) found.set(name, [...(found.get(name) ?? []), dir]);
      const nested = join(dir, 'node_modules');
      if (await readdir(nested).then(() => true, () => false)) await findPackages(nested, names, found);
    }
  }
  return found;
}

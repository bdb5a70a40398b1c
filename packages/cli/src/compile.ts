import { transformSync, type Options } from '@swc/core';

/**
 * SWC's settings for fastts: legacy decorators with their metadata
 * (`design:paramtypes`, which fastts reads to find models and
 * `BackgroundTasks`), fields left to the constructor as tsc does with
 * `useDefineForClassFields: false`, ES modules kept as they are, and the
 * source map inline so that stack traces (with `--enable-source-maps`) point
 * at the .ts lines.
 */
function options(filename: string): Options {
  return {
    filename,
    sourceMaps: 'inline',
    // A project's .swcrc is for its own build; this compile must keep the metadata whatever it says.
    swcrc: false,
    configFile: false,
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true, tsx: filename.endsWith('.tsx') },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
  };
}

/**
 * Compiles one TypeScript module to JavaScript. A syntax error throws a
 * SyntaxError whose stack is SWC's diagnostic alone (file, line, code frame):
 * what Node prints when the import fails, without SWC's native backtrace or
 * the loader's frames, which say nothing about the user's code.
 */
export function compileTypeScript(source: string, filename: string): string {
  try {
    return transformSync(source, options(filename)).code;
  } catch (cause) {
    const diagnostic = String(cause instanceof Error ? cause.message : cause).split('\n\nCaused by:')[0]!.trimEnd();
    const error = new SyntaxError(`cannot compile ${filename}\n${diagnostic}`);
    error.stack = `SyntaxError: ${error.message}`;
    throw error;
  }
}

/**
 * V8's code cache for the CommonJS packages the CLI loads (the AWS SDK's clients above all: client-ec2
 * is one 2 MB file), kept under $AURORA_LAB_HOME/cache/v8. Compiling the SDK was the largest part of a
 * dry run's start-up; with the cache, V8 deserializes the code it compiled last time instead.
 *
 * Node 22 does this itself (module.enableCompileCache), and is asked to when it can. Node 20 cannot,
 * so CommonJS files under node_modules are compiled here with vm.Script and its cachedData, as
 * Module.prototype._compile would compile them. An entry is named by the SHA-1 of the file's text,
 * so an upgraded package never meets an old entry; the directory by Node version and architecture;
 * and V8 itself rejects data made by another V8 or with other flags (then the file is compiled as
 * usual and the entry rewritten). Anything unexpected falls back to Node's own compile.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { homeDir } from '../state/paths.js';

/** Node's CommonJS loader internals this relies on (stable since Node 12; checked before use). */
interface CjsModule {
  exports: unknown;
  filename: string;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}
interface CjsStatics {
  prototype: CjsModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: CjsModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths?(request: string, parent: CjsModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
}

let installed = false;

export function compileCacheDir(): string {
  return path.join(homeDir(), 'cache', 'v8', `${process.version}-${process.arch}`);
}

/**
 * Turns the cache on for this process (once). AURORA_LAB_COMPILE_CACHE=off leaves Node's compile alone.
 * The default directory is written only when $AURORA_LAB_HOME exists: a command that made nothing
 * (a refused lab, `--help` on a new machine) leaves nothing behind, not even a cache.
 */
export function enableCompileCache(dir?: string): void {
  if (installed || process.env.AURORA_LAB_COMPILE_CACHE === 'off') return;
  installed = true;
  const home = dir === undefined ? homeDir() : undefined;
  dir ??= compileCacheDir();
  const builtIn = (Module as unknown as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (typeof builtIn === 'function') {
    if (home === undefined || existsSync(home)) builtIn(dir);
    return;
  }
  const cacheDir = dir;
  const M = Module as unknown as CjsStatics;
  if (typeof M.wrap !== 'function' || typeof M._resolveFilename !== 'function' || typeof M.prototype._compile !== 'function') return;
  const original = M.prototype._compile;
  const pending: { file: string; script: vm.Script }[] = [];
  M.prototype._compile = function compileWithCache(this: CjsModule, content: string, filename: string): unknown {
    if (!filename.includes(`${path.sep}node_modules${path.sep}`)) return original.call(this, content, filename);
    let script: vm.Script;
    try {
      const file = path.join(cacheDir, `${createHash('sha1').update(content).digest('hex')}.bin`);
      let cachedData: Buffer | undefined;
      try {
        cachedData = readFileSync(file);
      } catch {
        // Not cached yet.
      }
      // import() inside such a module resolves as it would under Node's own compile.
      const importModuleDynamically = (vm as unknown as { constants?: { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } }).constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
      script = new vm.Script(M.wrap(content), { filename, cachedData, ...(importModuleDynamically ? { importModuleDynamically: importModuleDynamically as never } : {}) });
      if (cachedData === undefined || script.cachedDataRejected) pending.push({ file, script });
    } catch {
      return original.call(this, content, filename);
    }
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return fn.call(this.exports, this.exports, requireFor(M, this), this, filename, path.dirname(filename));
  };
  // Written at exit, so that the entry holds the functions the run compiled too, not only the top level.
  process.once('exit', () => {
    if (pending.length === 0 || (home !== undefined && !existsSync(home))) return;
    try {
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      for (const { file, script } of pending) {
        const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, file);
      }
    } catch {
      // No cache this time: the next start compiles again, as without one.
    }
  });
}

/** The `require` a module's code sees, as Node makes it (resolution relative to the module itself). */
function requireFor(M: CjsStatics, mod: CjsModule): NodeJS.Require {
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  const fallback = createRequire(mod.filename);
  req.resolve = Object.assign((request: string, options?: { paths?: string[] }) => M._resolveFilename(request, mod, false, options), {
    paths: (request: string) => (M._resolveLookupPaths ? M._resolveLookupPaths(request, mod) : fallback.resolve.paths(request)),
  });
  req.main = (process as unknown as { mainModule?: NodeJS.Module }).mainModule;
  req.extensions = M._extensions as NodeJS.RequireExtensions;
  req.cache = M._cache as NodeJS.Dict<NodeJS.Module>;
  return req;
}

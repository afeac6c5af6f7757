// @ts-check
// Builds mediasoup's C++ worker against Debian's libraries and caches it outside the clone.
//
// The npm package's own install path downloads a prebuilt worker from GitHub or builds one
// through pip and meson wraps that download libuv, OpenSSL, libsrtp, usrsctp and abseil:
// none of that is reachable here. mediasoup 3.12.16 pins the very versions Debian 12 ships,
// and meson uses a subproject directory that already exists instead of downloading its wrap,
// so the shims in ./subprojects expose Debian's libraries under the names mediasoup reads.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../bootstrap/processes.mjs';
import { BootstrapError, say, seconds } from '../bootstrap/progress.mjs';

const recipeDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(recipeDir, '..', '..');

/**
 * Scenarios of mediasoup's test suite that read RTP capture files the npm tarball does not
 * ship ("cannot open file"); every other scenario must pass.
 */
const scenariosNeedingMissingData = [
  'Scenario: parse RTP packets',
  'Scenario: parse RTP packets with H264 SVC',
];

/** The mediasoup version, owned by apps/server/package.json (the package that runs it). */
export function mediasoupVersion() {
  /** @type {{ dependencies?: Record<string, string> }} */
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'apps/server/package.json'), 'utf8'));
  const version = manifest.dependencies?.mediasoup;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new BootstrapError('apps/server/package.json must pin mediasoup to an exact version');
  }
  return version;
}

/** Hash of every file of this recipe, so changing a shim or this script rebuilds the worker. */
function recipeHash(/** @type {string} */ version) {
  const hash = createHash('sha256').update(`mediasoup@${version}\0`);
  /** @param {string} dir */
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(`${relative(recipeDir, path)}\0`).update(readFileSync(path));
    }
  };
  walk(recipeDir);
  return hash.digest('hex').slice(0, 16);
}

/**
 * @typedef {{ binary: string, manifest: string, testLog: string, key: string }} WorkerBuild
 */

/** @param {string} cacheDir */
export function workerBuildLocation(cacheDir) {
  const version = mediasoupVersion();
  const key = `${version}-${recipeHash(version)}`;
  const home = join(cacheDir, 'mediasoup-worker', key);
  return {
    key,
    version,
    home,
    binary: join(home, 'mediasoup-worker'),
    manifest: join(home, 'build.json'),
    testLog: join(home, 'mediasoup-worker-test.log'),
  };
}

/**
 * Returns the cached worker, building and validating it first when the cache has none for
 * this mediasoup version and recipe.
 * @param {string} cacheDir
 * @returns {Promise<{ binary: string, built: boolean }>}
 */
export async function ensureMediasoupWorker(cacheDir) {
  const location = workerBuildLocation(cacheDir);
  if (existsSync(location.manifest) && existsSync(location.binary)) {
    return { binary: location.binary, built: false };
  }
  await withBuildLock(join(cacheDir, 'mediasoup-worker'), async () => {
    if (existsSync(location.manifest)) return; // another process built it while we waited
    await buildWorker(location);
  });
  return { binary: location.binary, built: true };
}

/**
 * One build at a time per machine: a second bootstrap (npm start beside npm test) waits.
 * @param {string} dir
 * @param {() => Promise<void>} body
 */
async function withBuildLock(dir, body) {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.lock');
  for (let waited = 0; ; waited++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const holder = lockHolder(lock);
      if (holder !== 'starting' && (holder === undefined || !isAlive(holder))) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 30 === 0) say(`waiting for another worker build (${holder})`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  try {
    await body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The pid holding the lock, 'starting' while a fresh lock has no pid written yet, or
 * undefined for a lock left behind without one.
 * @param {string} lock
 * @returns {number | 'starting' | undefined}
 */
function lockHolder(lock) {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8')) || undefined;
  } catch {
    try {
      return Date.now() - statSync(lock).mtimeMs < 10_000 ? 'starting' : undefined;
    } catch {
      return undefined;
    }
  }
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** @param {ReturnType<typeof workerBuildLocation>} location */
async function buildWorker(location) {
  const started = performance.now();
  const staging = join(dirname(location.home), `.build-${location.key}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  say(
    `building mediasoup ${location.version} worker against Debian's libraries (about 15 min on 2 cores, once per machine)`,
  );
  try {
    await run('npm', ['pack', `mediasoup@${location.version}`, '--silent'], {
      cwd: staging,
      quiet: true,
    });
    await run('tar', ['xzf', `mediasoup-${location.version}.tgz`], { cwd: staging });
    const worker = join(staging, 'package', 'worker');
    prepareSources(worker);

    say('worker: meson setup');
    await run('meson', ['setup', 'build', '--wrap-mode=nodownload', '--buildtype=release'], {
      cwd: worker,
      quiet: true,
    });
    await ninja(worker, 'mediasoup-worker');
    await ninja(worker, 'mediasoup-worker-test');

    say("worker: running mediasoup's own C++ test suite");
    const exclusions = scenariosNeedingMissingData.map((name) => `~"${name}"`);
    const testOutput = await run('./build/mediasoup-worker-test', exclusions, {
      cwd: worker,
      quiet: true,
    });
    const summary = /All tests passed \((\d+) assertions? in (\d+) test cases?\)/.exec(testOutput);
    if (!summary) {
      throw new BootstrapError(`mediasoup-worker-test did not pass:\n${testOutput.slice(-3000)}`);
    }
    say(`worker: ${summary[0]}`);

    const out = join(staging, 'out');
    mkdirSync(out);
    copyFileSync(join(worker, 'build', 'mediasoup-worker'), join(out, 'mediasoup-worker'));
    writeFileSync(join(out, 'mediasoup-worker-test.log'), testOutput);
    writeFileSync(
      join(out, 'build.json'),
      `${JSON.stringify(
        {
          mediasoup: location.version,
          key: location.key,
          builtAt: new Date().toISOString(),
          buildSeconds: Math.round((performance.now() - started) / 1000),
          workerTest: {
            assertions: Number(summary[1]),
            testCases: Number(summary[2]),
            excluded: scenariosNeedingMissingData,
          },
        },
        null,
        2,
      )}\n`,
    );
    rmSync(location.home, { recursive: true, force: true });
    renameSync(out, location.home);
    say(`worker: cached at ${location.home} (${seconds(started)})`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Puts the shims in place and relaxes the one requirement Debian 12 does not meet.
 * @param {string} worker
 */
function prepareSources(worker) {
  cpSync(join(recipeDir, 'subprojects'), join(worker, 'subprojects'), { recursive: true });
  // Debian 12 ships meson 1.0.1; mediasoup asks for >= 1.1.0 but builds fine with 1.0.
  const mesonBuild = join(worker, 'meson.build');
  const source = readFileSync(mesonBuild, 'utf8');
  const relaxed = source.replace("meson_version: '>= 1.1.0'", "meson_version: '>= 1.0.0'");
  if (relaxed === source) {
    throw new BootstrapError(
      'mediasoup meson.build no longer asks for meson >= 1.1.0: review infra/mediasoup-worker/build.mjs',
    );
  }
  writeFileSync(mesonBuild, relaxed);
}

/**
 * Runs ninja and prints its progress every 10% instead of one line per file.
 * @param {string} worker
 * @param {string} target
 */
async function ninja(worker, target) {
  let reported = -1;
  await run('ninja', ['-C', 'build', target], {
    cwd: worker,
    onLine: (line) => {
      const match = /^\[(\d+)\/(\d+)\]/.exec(line);
      if (!match) return;
      const percent = Math.floor((Number(match[1]) / Number(match[2])) * 10) * 10;
      if (percent > reported) {
        reported = percent;
        say(`worker: ${target} ${percent}% (${match[1]}/${match[2]})`);
      }
    },
  });
}

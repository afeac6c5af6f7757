// @ts-check
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { run } from './processes.mjs';
import { BootstrapError, say } from './progress.mjs';

/**
 * Debian packages Skjerm needs, each with the reason. The mediasoup worker is compiled against
 * Debian's own libraries (see infra/README.md), never against downloads.
 */
export const debianPackages = {
  'build-essential': 'C/C++ compiler for the mediasoup worker',
  meson: 'builds the mediasoup worker',
  'ninja-build': 'builds the mediasoup worker',
  'pkg-config': 'finds the libraries the worker links',
  python3: 'meson runs on it',
  'libuv1-dev': 'worker event loop (libuv 1.44.2)',
  'libsrtp2-dev': 'SRTP in the worker (libsrtp 2.5.0)',
  'libabsl-dev': 'abseil containers in the worker',
  'libssl-dev': 'DTLS in the worker (OpenSSL 3.0)',
  'nlohmann-json3-dev': 'JSON in the worker',
  'libusrsctp-dev': 'SCTP data channels in the worker',
  catch2: "mediasoup's own C++ test suite",
  chromium: 'the browser the end-to-end tests drive (Playwright never downloads one)',
  coturn: 'TURN server for the relay tests, run on loopback (production: infra/coturn/)',
  'redis-server': 'Redis for the scale-out tests, run on loopback',
};

/**
 * Packages whose Debian maintainer scripts enable and start a system service that the tests
 * do not want: they run their own server on loopback, on a port of their own. The unit is
 * masked before installing (systemd then neither starts nor enables it; `systemctl unmask
 * UNIT` undoes this on a machine that should run the service).
 */
const servicesKeptOff = {
  // Its default configuration has no authentication, which makes it an open relay on every
  // interface.
  coturn: { unit: 'coturn.service', why: 'the tests run their own turnserver' },
  // Without a password, any local user could read and write it, and it would take 6379, the
  // port the cluster CLI tries by default; it would also save its data to /var/lib/redis.
  'redis-server': { unit: 'redis-server.service', why: 'the tests run their own redis-server' },
};

/** @returns {Promise<string[]>} the packages of `names` that are not installed */
async function missingPackages(/** @type {string[]} */ names) {
  const { stdout } = await promisify(execFile)(
    'dpkg-query',
    // dpkg-query's own format placeholders, not JavaScript's.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query format string
    ['-W', '-f=${Package} ${db:Status-Status}\n', ...names],
    { encoding: 'utf8' },
  ).catch((/** @type {{ stdout?: string }} */ error) => ({ stdout: error.stdout ?? '' }));
  const installed = new Set(
    stdout
      .split('\n')
      .filter((line) => line.endsWith(' installed'))
      .map((line) => line.split(' ')[0]),
  );
  return names.filter((name) => !installed.has(name));
}

/** Masks the system services of `packages` listed in servicesKeptOff. */
async function keepServicesOff(/** @type {string[]} */ packages) {
  const services = packages.flatMap((name) =>
    Object.hasOwn(servicesKeptOff, name)
      ? [servicesKeptOff[/** @type {keyof typeof servicesKeptOff} */ (name)]]
      : [],
  );
  if (services.length === 0) return;
  const hasSystemctl = await promisify(execFile)('systemctl', ['--version']).then(
    () => true,
    () => false,
  );
  if (!hasSystemctl) return;
  for (const { unit, why } of services) {
    say(`masking the ${unit} system service (${why})`);
    await run('systemctl', ['mask', unit], { quiet: true });
  }
}

/** Installs missing packages with apt-get as root; otherwise stops with the exact command. */
export async function ensureDebianPackages() {
  const missing = await missingPackages(Object.keys(debianPackages));
  if (missing.length === 0) return false;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new BootstrapError(
      `missing Debian packages: ${missing.join(', ')}.\nInstall them as root, then run this again:\n  sudo apt-get update && sudo ${command}`,
    );
  }
  say(`installing Debian packages: ${missing.join(' ')}`);
  await keepServicesOff(missing);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { env });
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  const still = await missingPackages(missing);
  if (still.length > 0) throw new BootstrapError(`apt-get did not install: ${still.join(', ')}`);
  return true;
}

/**
 * Set by the bundler, never at run time by the page: `bundleClient({ testHooks: true })`
 * (packages/client/scripts/bundle.ts) defines it `true`, every other bundle `false`, so esbuild
 * removes the code behind it. Test-only code (the plaintext sampler) is guarded inline with
 *
 *     if (typeof SKJERM_TEST_HOOKS !== 'undefined' && SKJERM_TEST_HOOKS) { ... }
 *
 * (inline, not through a helper: only a literal condition lets esbuild drop the branch). Left
 * undefined, as in Node unit tests, the hooks are off; a test turns them on by setting
 * `globalThis.SKJERM_TEST_HOOKS`.
 */
declare const SKJERM_TEST_HOOKS: boolean | undefined;

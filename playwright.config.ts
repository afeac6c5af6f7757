import { defineConfig } from '@playwright/test';

/**
 * Browser tests of the SDK (tests/e2e) against a real Skjerm server started in the test
 * worker. Debian's Chromium, headless, with fake camera and microphone; one worker, since each
 * test runs several browser pages and a mediasoup worker on a 2-core machine.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  outputDir: 'test-results',
  use: {
    headless: true,
    // The Skjerm server's certificate is self-signed: loopback only, tests only.
    ignoreHTTPSErrors: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
        '--ignore-certificate-errors',
        // ICE between the browser and mediasoup runs over 127.0.0.1 only.
        '--allow-loopback-in-peer-connection',
        '--disable-gpu',
      ],
    },
  },
});

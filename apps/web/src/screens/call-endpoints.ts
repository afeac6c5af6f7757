/** Where the call's signaling and E2EE worker are: this server, this origin. */
export function callEndpoints(): { signalingUrl: string; e2eeWorkerUrl: string } {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    signalingUrl: `${scheme}//${location.host}/ws`,
    e2eeWorkerUrl: '/assets/e2ee-worker.js',
  };
}

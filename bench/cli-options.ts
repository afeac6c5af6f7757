/** What `node bench/run.ts [--full] [--scenario <name>[,<name>…]]` asks for. */

/**
 * The parts of the forwarding bench, in the order they run: `forwarding` scenarios (a)-(c)
 * against the baseline, `capacity` (d) one worker ramped, `signaling` the relay rate, and
 * `scale-out` total capacity with one and with two media nodes.
 */
export const SCENARIOS = ['forwarding', 'capacity', 'signaling', 'scale-out'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** The quick pass keeps within its three minutes; `--full` runs everything. */
const DEFAULTS: Record<'quick' | 'full', readonly ScenarioName[]> = {
  quick: ['forwarding', 'capacity', 'signaling'],
  full: SCENARIOS,
};

export interface CliOptions {
  mode: 'quick' | 'full';
  scenarios: ScenarioName[];
  /** The scenarios were chosen with --scenario rather than by default. */
  chosen: boolean;
}

/** Reads the arguments after `run.ts`; throws on an unknown scenario or option. */
export function parseCli(args: readonly string[]): CliOptions {
  let mode: CliOptions['mode'] = 'quick';
  const chosen: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--full') mode = 'full';
    else if (arg === '--scenario') chosen.push(...(args[++i] ?? '').split(','));
    else if (arg.startsWith('--scenario=')) chosen.push(...arg.slice(11).split(','));
    else
      throw new Error(`unknown option ${arg}: use --full and --scenario <${SCENARIOS.join('|')}>`);
  }
  const unknown = chosen.filter((name) => !isScenario(name));
  if (unknown.length > 0 || (chosen.length === 0 && args.some((a) => a.startsWith('--scenario')))) {
    throw new Error(
      `unknown scenario ${JSON.stringify(unknown.join(',') || '')}: choose from ${SCENARIOS.join(', ')}`,
    );
  }
  const scenarios = chosen.length
    ? SCENARIOS.filter((name) => chosen.includes(name))
    : [...DEFAULTS[mode]];
  return { mode, scenarios, chosen: chosen.length > 0 };
}

function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

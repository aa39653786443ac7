/** The extension's settings (`moeLab.*` in package.json `contributes.configuration`), read with defaults. */
import * as vscode from 'vscode';
import { SETTINGS_DEFAULTS as DEFAULTS } from '../core/spec/defaults';

export interface MoeLabSettings {
  /** Workspace-relative folder for results of CSV fits and of specs that do not set `resultsDir`. */
  readonly resultsFolder: string;
  readonly defaultMaxIterations: number;
  readonly defaultTolerance: number;
  readonly defaultRestarts: number;
  readonly defaultTestFraction: number;
  readonly panelUpdatesPerSecond: number;
  readonly openPanelOnRun: boolean;
}

export const SETTINGS_SECTION = 'moeLab';

/** The settings whose value is a number. */
type NumericSetting = { [K in keyof typeof DEFAULTS]: (typeof DEFAULTS)[K] extends number ? K : never }[keyof typeof DEFAULTS];

export function readSettings(scope?: vscode.ConfigurationScope): MoeLabSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  const number = (key: NumericSetting, ok: (value: number) => boolean) => {
    const fallback: number = DEFAULTS[key];
    const value = config.get<number>(key, fallback);
    return typeof value === 'number' && Number.isFinite(value) && ok(value) ? value : fallback;
  };
  const folder = config.get<string>('resultsFolder', DEFAULTS.resultsFolder);
  return {
    resultsFolder: typeof folder === 'string' && folder.trim() !== '' ? folder.trim() : DEFAULTS.resultsFolder,
    defaultMaxIterations: Math.round(number('defaultMaxIterations', (v) => v >= 1)),
    defaultTolerance: number('defaultTolerance', (v) => v >= 0),
    defaultRestarts: Math.round(number('defaultRestarts', (v) => v >= 1 && v <= 100)),
    defaultTestFraction: number('defaultTestFraction', (v) => v >= 0 && v < 1),
    panelUpdatesPerSecond: number('panelUpdatesPerSecond', (v) => v >= 0.5 && v <= 60),
    openPanelOnRun: config.get<boolean>('openPanelOnRun', DEFAULTS.openPanelOnRun) !== false,
  };
}

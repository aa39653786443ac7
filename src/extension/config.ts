/** The extension's settings (`moeLab.*` in package.json `contributes.configuration`), read with defaults. */
import * as vscode from 'vscode';

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

export function readSettings(scope?: vscode.ConfigurationScope): MoeLabSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  const number = (key: string, fallback: number, ok: (value: number) => boolean) => {
    const value = config.get<number>(key, fallback);
    return typeof value === 'number' && Number.isFinite(value) && ok(value) ? value : fallback;
  };
  const folder = config.get<string>('resultsFolder', '.moe-lab/runs');
  return {
    resultsFolder: typeof folder === 'string' && folder.trim() !== '' ? folder.trim() : '.moe-lab/runs',
    defaultMaxIterations: Math.round(number('defaultMaxIterations', 500, (v) => v >= 1)),
    defaultTolerance: number('defaultTolerance', 1e-8, (v) => v >= 0),
    defaultRestarts: Math.round(number('defaultRestarts', 1, (v) => v >= 1 && v <= 100)),
    defaultTestFraction: number('defaultTestFraction', 0.3, (v) => v >= 0 && v < 1),
    panelUpdatesPerSecond: number('panelUpdatesPerSecond', 4, (v) => v >= 0.5 && v <= 60),
    openPanelOnRun: config.get<boolean>('openPanelOnRun', true) !== false,
  };
}

/** The "MoE Lab" output channel: run starts, warnings, stop reasons, results folders, failures. */
import * as vscode from 'vscode';

export type Log = vscode.LogOutputChannel;

export function createLog(context: vscode.ExtensionContext): Log {
  const log = vscode.window.createOutputChannel('MoE Lab', { log: true });
  context.subscriptions.push(log);
  return log;
}

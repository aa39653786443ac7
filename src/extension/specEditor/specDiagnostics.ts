/**
 * Problems of `*.moe.json` documents as diagnostics on their text, whichever editor shows them (the form or a text
 * editor): syntax errors, schema errors and the semantic checks of `parseSpecText`, each at the line and column of
 * the offending value. The analysis of a document version is cached, and shared with the spec editor's form.
 *
 * Each problem is reported once. VS Code's JSON language service gets a schema that does not validate
 * (scripts/assistSchema.mjs), but it always reports syntax errors: where it has, ours is left out.
 */
import * as vscode from 'vscode';
import { parseSpecText, type SpecIssue, type SpecResult } from '../../core/spec/validate';
import type { JsonObject } from '../../protocol/specEditorMessages';
import { parseJsonObject } from './specEdit';

export interface SpecAnalysis {
  readonly version: number;
  readonly result: SpecResult;
  /** The parsed JSON when the text is a JSON object. */
  readonly value?: JsonObject;
}

export function isSpecDocument(document: vscode.TextDocument): boolean {
  return document.uri.path.toLowerCase().endsWith('.moe.json');
}

export class SpecDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('moeLab.spec');
  private readonly cache = new Map<string, SpecAnalysis>();
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private readonly changed = new vscode.EventEmitter<vscode.TextDocument>();
  /** Fires after a spec document's analysis (and diagnostics) changed. */
  readonly onDidAnalyze = this.changed.event;

  constructor() {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidOpenTextDocument((document) => this.refresh(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.refresh(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.cache.delete(document.uri.toString());
        this.collection.delete(document.uri);
      }),
      vscode.languages.onDidChangeDiagnostics((event) => {
        for (const uri of event.uris) {
          const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
          if (document && isSpecDocument(document)) this.publish(document, this.analyze(document));
        }
      }),
    );
    for (const document of vscode.workspace.textDocuments) this.refresh(document);
  }

  /** The analysis of the document's current version (computed at most once per version). */
  analyze(document: vscode.TextDocument): SpecAnalysis {
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === document.version) return cached;
    const text = document.getText();
    let result: SpecResult;
    try {
      result = parseSpecText(text, vscode.workspace.asRelativePath(document.uri, false));
    } catch (error) {
      // The validator must never take the editor down: report the failure as a problem of the whole file.
      result = { ok: false, errors: [{ pointer: '', message: `the spec could not be checked: ${(error as Error).message}` }] };
    }
    const parsed = parseJsonObject(text);
    const analysis: SpecAnalysis = { version: document.version, result, ...(parsed.ok ? { value: parsed.value } : {}) };
    this.cache.set(key, analysis);
    return analysis;
  }

  private refresh(document: vscode.TextDocument): void {
    if (!isSpecDocument(document)) return;
    this.publish(document, this.analyze(document));
    this.changed.fire(document);
  }

  /** Sets the document's diagnostics when they differ from those shown (so our own change does not loop). */
  private publish(document: vscode.TextDocument, analysis: SpecAnalysis): void {
    const issues = analysis.result.ok ? [] : analysis.result.errors;
    const others = vscode.languages.getDiagnostics(document.uri).filter((d) => d.source !== SOURCE);
    const diagnostics = issues.filter((issue) => !(isSyntaxIssue(issue) && others.some(isSyntaxDiagnostic))).map((issue) => toDiagnostic(document, issue));
    const shown = this.collection.get(document.uri) ?? [];
    if (sameDiagnostics(shown, diagnostics)) return;
    this.collection.set(document.uri, diagnostics);
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.cache.clear();
  }
}

export function issueRange(document: vscode.TextDocument, issue: SpecIssue): vscode.Range {
  if (issue.line === undefined || issue.column === undefined) return document.validateRange(new vscode.Range(0, 0, 0, 1));
  const start = document.validatePosition(new vscode.Position(issue.line - 1, issue.column - 1));
  if (issue.endLine !== undefined && issue.endColumn !== undefined) {
    const end = document.validatePosition(new vscode.Position(issue.endLine - 1, issue.endColumn - 1));
    if (end.isAfter(start)) return new vscode.Range(start, end);
  }
  const word = document.getWordRangeAtPosition(start);
  if (word && word.start.isEqual(start)) return word;
  return document.validateRange(new vscode.Range(start, start.translate(0, 1)));
}

const SOURCE = 'MoE Lab';

/** `parseSpecText` reports a syntax error as the only issue, for the whole document. */
function isSyntaxIssue(issue: SpecIssue): boolean {
  return issue.pointer === '' && / is not valid JSON: |^not valid JSON: /.test(issue.message);
}

/** A syntax error from VS Code's JSON language service (its errors are syntax; its schema checks are warnings). */
function isSyntaxDiagnostic(diagnostic: vscode.Diagnostic): boolean {
  return diagnostic.source === 'json' && diagnostic.severity === vscode.DiagnosticSeverity.Error;
}

function sameDiagnostics(a: readonly vscode.Diagnostic[], b: readonly vscode.Diagnostic[]): boolean {
  return a.length === b.length && a.every((d, i) => d.message === b[i].message && d.range.isEqual(b[i].range));
}

function toDiagnostic(document: vscode.TextDocument, issue: SpecIssue): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(issueRange(document, issue), issue.message, vscode.DiagnosticSeverity.Error);
  diagnostic.source = SOURCE;
  if (issue.pointer) diagnostic.code = issue.pointer;
  return diagnostic;
}

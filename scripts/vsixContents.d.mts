// Types of scripts/vsixContents.mjs for the TypeScript tests that use it.
export interface VsixEntry {
  name: string;
  size: number;
}
export interface PackageManifest {
  main?: string;
  icon?: string;
  contributes?: { jsonValidation?: { url: string }[] };
}
export const MAX_VSIX_BYTES: number;
export function listVsix(file: string): Promise<VsixEntry[]>;
export function readmeImages(markdown: string): string[];
export function requiredFiles(manifest: PackageManifest, readme: string): string[];
export function checkPackageContents(input: { entries: VsixEntry[]; size: number; readme: string; manifest: PackageManifest }): string[];

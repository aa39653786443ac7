/** The character codes the CSV reader and the number scanners look for (ASCII; one place for all three). */
export const TAB = 9;
export const LF = 10;
export const CR = 13;
export const SPACE = 32;
export const QUOTE = 34; // "
export const PLUS = 43;
export const MINUS = 45;
export const DOT = 46;
export const ZERO = 48;
export const NINE = 57;
export const UPPER_E = 69;
export const LOWER_E = 101;

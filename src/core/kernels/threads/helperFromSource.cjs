// Starts a kernel helper thread from the TypeScript sources, for tests and benchmarks run under tsx (worker
// threads do not inherit tsx's loader on Node 20). The bundles use dist/kernelHelper.js instead.
'use strict';
require('tsx/cjs');
require('./helper.ts');

/**
 * Entry point of a kernel helper thread (started by `pool.ts`; bundled as dist/kernelHelper.js). It waits on its
 * control block, runs the posted kernel tasks on its share of the rows, and acknowledges each one. It never
 * returns to the event loop: the owner terminates it, or the process exits (the thread is unref'ed).
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { runGradient, runLogits, type GemmExports } from '../wasm/exports';
import { MEMORY_MODULE, MEMORY_NAME } from '../wasm/gemm';
import { DONE, FAILED, POSTED, type HelperTask } from './protocol';

const { port, control } = workerData as { port: MessagePort; control: SharedArrayBuffer };
const state = new Int32Array(control);
const instances = new Map<number, GemmExports>();

function handle(task: HelperTask): void {
  switch (task.op) {
    case 'attach':
      instances.set(task.id, new WebAssembly.Instance(task.module, { [MEMORY_MODULE]: { [MEMORY_NAME]: task.memory } }).exports as unknown as GemmExports);
      return;
    case 'detach':
      instances.delete(task.id);
      return;
    case 'logits':
      runLogits(instances.get(task.id)!, task.x, task.rows, task.rowBytes, task.w, task.m, task.out);
      return;
    case 'gradient':
      runGradient(instances.get(task.id)!, task.x, task.rows, task.rowBytes, task.a, task.coefficientBytes, task.m, task.g);
      return;
  }
}

let handled = 0;
for (;;) {
  Atomics.wait(state, POSTED, handled);
  for (let message = receiveMessageOnPort(port); message !== undefined; message = receiveMessageOnPort(port)) {
    try {
      handle(message.message as HelperTask);
    } catch {
      Atomics.store(state, FAILED, 1);
    }
    handled++;
    Atomics.store(state, DONE, handled);
    Atomics.notify(state, DONE);
  }
}

// TEMPORARY (start-up timeline): every command's start, end and payload size, by wall clock.
import { invoke as raw, type InvokeArgs, type InvokeOptions } from '@tauri-apps/api/core';

type Mark = [string, number];
const w = window as unknown as { __marks?: Mark[] };
w.__marks ??= [];
export function mark(what: string) {
  w.__marks!.push([what, Date.now()]);
}
mark('bindings module evaluated');

export async function invoke<T>(cmd: string, args?: InvokeArgs, options?: InvokeOptions): Promise<T> {
  const t0 = Date.now();
  mark(`invoke ${cmd} sent`);
  const r = await raw<T>(cmd, args, options);
  let size = -1;
  try {
    size = JSON.stringify(r)?.length ?? 0;
  } catch {
    /* */
  }
  mark(`invoke ${cmd} back after ${Date.now() - t0} ms, ${size} B`);
  return r;
}

// The seed's crashing app (examples/crashing-nodejs-app), changed to spin instead of crashing:
// do_test -> foo -> bar -> spin, and spin burns the CPU in short slices so that the event loop
// still runs between slices of SPIN_MS ms (default 50; 0: no spinning, an idle process). It
// beats every HEARTBEAT ms (default 1) and prints "beat N" every BEAT_EVERY beats, "gap N ms" each
// time the longest gap between beats grows, and "pause N ms at T" for every gap of REPORT_MS
// (default 5) or more, T in epoch ms (what a snapshot's freeze looks like from inside). It answers
// "alive" over HTTP on PORT (0: no server). HEAP_MIB first fills a heap of that many MiB.
const http = require("http");

const heartbeat = Number(process.env.HEARTBEAT || 1);
const port = Number(process.env.PORT || 0);
const heapMib = Number(process.env.HEAP_MIB || 0);
const spinMs = Number(process.env.SPIN_MS === undefined ? 50 : process.env.SPIN_MS);
const beats = Number(process.env.BEAT_EVERY || 1000);
const reportMs = Number(process.env.REPORT_MS || 5);

const keep = [];
for (let i = 0; i < heapMib; i++) {
  // 1 MiB of distinct strings per step: a heap of real objects, not one big buffer.
  const chunk = [];
  for (let j = 0; j < 1024; j++) chunk.push("x".repeat(1000) + i + ":" + j);
  keep.push(chunk);
}

let last = Date.now();
let worst = 0;
let count = 0;
setInterval(() => {
  const now = Date.now();
  if (++count % beats === 0) console.log("beat " + count);
  if (now - last >= reportMs) console.log("pause " + (now - last) + " ms at " + now);
  if (now - last > worst) {
    worst = now - last;
    console.log("gap " + worst + " ms");
  }
  last = now;
}, heartbeat);

if (port > 0) {
  http.createServer((req, res) => res.end("alive\n")).listen(port, "127.0.0.1");
}

function do_test() {
  foo("hello world");
}

function foo(input) {
  bar(input);
}

function bar(input) {
  spin(input);
}

function spin(input) {
  // Busy for SPIN_MS at a time: a snapshot mostly lands inside spin(). The loop allocates
  // nothing (small integers only; the clock is read once per million turns), so that the
  // snapshot finds spin() running, not a garbage collection it caused.
  const until = Date.now() + spinMs;
  let n = 0;
  do {
    for (let i = 0; i < 1000000; i++) n = (n + input.charCodeAt(i % input.length)) | 0;
  } while (Date.now() < until);
  setImmediate(() => spin(input));
  return n;
}

console.log("ready " + process.pid + " heap " + keep.length + " MiB");
if (spinMs > 0) do_test();

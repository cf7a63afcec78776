// The app in CriClientIT's pods: distinct lines on both streams, one line longer than the
// runtime's 16 KiB log line limit (so the log holds P entries), then it idles. SIGUSR2 makes it
// say goodbye and exit with code 3 (a plain exit: a crash would go through the host's
// core_pattern, which other tests own).
const tag = process.env.TAG || "app";
const lines = Number(process.env.LINES || 5);
for (let i = 1; i <= lines; i++) console.log(`${tag} line ${i}`);
console.error(`${tag} warning on stderr`);
// The runtime copies stdout and stderr separately; a pause keeps their order in the log.
setTimeout(() => {
  console.log(`${tag} long ` + "x".repeat(40000) + " end");
  console.log(`${tag} ready`);
}, 300);
process.on("SIGUSR2", () => {
  console.log(`${tag} bye`);
  process.exit(3);
});
process.on("SIGTERM", () => process.exit(0));
setInterval(() => {}, 1 << 30);

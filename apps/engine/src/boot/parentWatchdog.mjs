// Preloaded (`node --import`) into child processes of `cascade start` (the console): the child exits
// when its parent does, even when the parent is killed with SIGKILL and can run no cleanup, so an
// orphan never keeps the console port. Two signals, either suffices: the stdin pipe from the parent
// reaches end-of-file (the kernel closes it when the parent dies), and, as a fallback, the process
// is re-parented (its parent pid changes). The child then stops as on SIGTERM (Next.js closes its
// server); if that has not ended it within 5 s, it exits.
import process from "node:process";

const expectedParent = Number(process.env.CASCADE_PARENT_PID);
// Processes this child starts in turn (with the same preload) are not watched against our parent.
delete process.env.CASCADE_PARENT_PID;

function parentGone() {
  process.kill(process.pid, "SIGTERM");
  setTimeout(() => process.exit(0), 5_000).unref();
}

if (Number.isInteger(expectedParent) && expectedParent > 0) {
  if (process.ppid !== expectedParent) parentGone();
  const timer = setInterval(() => {
    if (process.ppid !== expectedParent) {
      clearInterval(timer);
      parentGone();
    }
  }, 1_000);
  timer.unref();
  if (!process.stdin.isTTY) {
    process.stdin.on("end", parentGone);
    process.stdin.on("error", parentGone);
    process.stdin.resume();
    // Reading stdin must not keep the child alive on its own.
    process.stdin.unref?.();
  }
}

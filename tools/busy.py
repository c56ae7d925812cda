"""Keeps every core busy, as a build or a browser would: one spinning process per core, at
normal priority, until the caller ends this one (SIGTERM or Ctrl-C) or --seconds pass.

CI runs the test suite a second time under it (.ci/run), so that a test that asserts on the
machine's timing or load shows up red there:

    python tools/busy.py & busy=$!
    trap 'kill $busy; wait $busy' EXIT
    python -m pytest

The spinners end with this process, and also by themselves if it is killed outright
(they watch their parent) or at the deadline, so none outlives a broken CI run."""

import argparse
import os
import signal
import sys
import time

ENDING = {signal.SIGTERM, signal.SIGINT}


def spin(parent, deadline):
    """Burns one core until the parent is gone or the deadline passes."""
    while os.getppid() == parent and time.monotonic() < deadline:
        for _ in range(100_000):
            pass


def end_quietly(signum, frame):
    raise SystemExit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="spinning processes (default: one per core, %(default)s here)")
    parser.add_argument("--seconds", type=float, default=1800,
                        help="end by itself after this long (default %(default)s)")
    args = parser.parse_args()
    if args.processes < 1 or args.seconds <= 0:
        parser.error("--processes must be at least 1 and --seconds positive")

    parent, deadline = os.getpid(), time.monotonic() + args.seconds
    spinners = []
    signal.signal(signal.SIGTERM, end_quietly)
    try:
        for _ in range(args.processes):
            # a signal between fork and the child's own handlers would run ours in it
            signal.pthread_sigmask(signal.SIG_BLOCK, ENDING)
            pid = os.fork()
            if pid == 0:
                for signum in ENDING:
                    signal.signal(signum, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, ENDING)
                spin(parent, deadline)
                os._exit(0)
            spinners.append(pid)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, ENDING)
        print(f"busy.py: {len(spinners)} spinning processes for at most {args.seconds:g} s",
              file=sys.stderr, flush=True)
        while time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    except KeyboardInterrupt:
        pass
    finally:
        for pid in spinners:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in spinners:
            os.waitpid(pid, 0)


if __name__ == "__main__":
    main()

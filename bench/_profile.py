"""Run a bench server under cProfile: `python bench/_profile.py OUT.prof (SCRIPT | -m MODULE) [ARGS...]`.

Used when BENCH_PROFILE=OUT.prof is set (bench/_common.py); the profile is written when the server
stops (SIGTERM: aiohttp shuts down gracefully and run_app returns). Read it with
`python -m pstats OUT.prof` (sort tottime, stats 30).
"""

from __future__ import annotations

import cProfile
import runpy
import sys


def main() -> None:
    out, script, *rest = sys.argv[1:]
    module = rest.pop(0) if script == "-m" else None
    sys.argv = [module or script, *rest]
    profile = cProfile.Profile()
    profile.enable()
    try:
        if module:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(script, run_name="__main__")
    finally:
        profile.disable()
        profile.dump_stats(out)


if __name__ == "__main__":
    main()

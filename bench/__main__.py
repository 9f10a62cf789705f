"""`python -m bench [name ...]`: run every benchmark module (or those named), one by one.

Each module runs in a process of its own (`python -m bench.<module>`), so that one's
memory and caches do not colour the next; their `bench:` lines reach stdout as they come.
The exit status is non-zero when any benchmark failed.
"""

import pkgutil
import subprocess
import sys
from pathlib import Path

import bench


def modules() -> list[str]:
    """The benchmark modules of this package, by name."""
    folder = Path(bench.__file__).parent
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(folder)])
        if not info.name.startswith("_") and not info.ispkg
    )


def main(argv: list[str]) -> int:
    available = modules()
    wanted = argv or available
    unknown = [name for name in wanted if name not in available]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}",
            file=sys.stderr,
        )
        return 2
    failed = []
    for name in wanted:
        print(f"== bench.{name}", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", f"bench.{name}"]
        if subprocess.run(command, cwd=Path(bench.__file__).parent.parent, check=False).returncode:
            failed.append(name)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Running a parser with a time limit, in a child process that is killed when it overruns.

A regular expression stuck in backtracking cannot be interrupted from Python, so the work
is forked and the test only waits for it: a quadratic parser fails the test in seconds
instead of holding the suite for minutes.
"""

import multiprocessing


def _run(function, args, kwargs) -> None:
    function(*args, **kwargs)


def finishes_within(seconds: float, function, *args, **kwargs) -> bool:
    """Whether `function(*args, **kwargs)` returns (or raises) within `seconds`."""
    child = multiprocessing.get_context("fork").Process(target=_run, args=(function, args, kwargs))
    child.start()
    child.join(seconds)
    if child.is_alive():
        child.kill()
        child.join()
        return False
    return True

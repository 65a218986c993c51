"""Test helpers shared by the ensemble tests."""

import concurrent.futures as cf


class SerialExecutor(cf.Executor):
    """Computes in submit() (in this process); counts the calls; can fail on purpose.

    Every task after the first ``fail_after`` fails with ``RuntimeError("injected failure")``.
    """

    def __init__(self, fail_after=None):
        self.calls, self.fail_after = 0, fail_after

    def submit(self, fn, *args, **kwargs):
        self.calls += 1
        fut = cf.Future()
        if self.fail_after is not None and self.calls > self.fail_after:
            fut.set_exception(RuntimeError("injected failure"))
        else:
            fut.set_result(fn(*args, **kwargs))
        return fut

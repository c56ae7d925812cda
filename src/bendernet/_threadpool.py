"""bendernet's threads under threadpoolctl, as a library of their own.

The C core's worker threads are bendernet's (csrc/runtime/pool.c), their number OpenMP's
limit for the calling thread. threadpoolctl already lists the libgomp they read it from, but
as a bare "openmp" library that names no user. Registering this controller lists the
extension itself: ``threadpool_info()`` gains an entry with ``internal_api="bendernet"``,
the extension's path and bendernet's version, and ``threadpool_limits`` (all libraries,
``user_api="openmp"``, or this entry alone through ``ThreadpoolController().select(
internal_api="bendernet")``) sets the limit through ``bn_set_max_threads``.

The limit is an upper bound: bendernet never uses more threads than the CPUs the process may
run on (its affinity mask, csrc/runtime/usable_cpus.c), so ``threadpool_limits(8)`` on two
CPUs leaves it two threads, while ``threadpool_limits(1)`` gives it one. ``num_threads``
reports the threads it will use (``bn_max_threads``), the capped count.

threadpoolctl finds a controller's library among those loaded by its file name and then
requires one of ``check_symbols`` in it (threadpoolctl 3.3 and newer), so another package's
``_kernels`` module is not mistaken for ours. The extension imports this module, so the
registration happens whenever bendernet's threads can exist.
"""

from threadpoolctl import LibController, register

from bendernet import __version__


class BendernetController(LibController):
    """threadpoolctl's view of bendernet's thread limit."""

    user_api = "openmp"      # the limit is OpenMP's: OMP_NUM_THREADS and "openmp" limits apply
    internal_api = "bendernet"
    filename_prefixes = ("_kernels",)
    check_symbols = ("bn_max_threads", "bn_set_max_threads")

    def get_num_threads(self):
        return self.dynlib.bn_max_threads()

    def set_num_threads(self, num_threads):
        self.dynlib.bn_set_max_threads(int(num_threads))

    def get_version(self):
        # called before threadpoolctl checks the symbols: it must not touch the library
        return __version__


register(BendernetController)

"""Peak-memory measurement shared by the benchmark's children (stdlib only, so that the
arena-rank child can import it from its own virtual environment)."""
import resource


def _mem_status():
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmHWM:", "VmRSS:")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) / 1024.0
    return out


def _reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

class _Mem:
    """Peak-RSS increase (MB) over the current RSS, across phases.

    ``peak``: from construction (after the tiny warm-up) to ``finish`` (real-data warm-up
    call + timed calls); ``fit_peak``: from ``restart`` (timed calls only).  Uses Linux's
    /proc/self/clear_refs "5" to reset the high-water mark (this also resets getrusage's
    ru_maxrss); without it, plain ru_maxrss increases (which can read low when a transient
    peak during imports is above what the fit adds).
    """

    def __init__(self):
        self.method = "VmHWM after clear_refs reset" if _reset_hwm() else "ru_maxrss"
        self.base0 = self._base()
        self.peak0 = None

    def _base(self):
        if self.method == "ru_maxrss":
            return _maxrss_mb()
        return _mem_status()["VmRSS"]

    def _high(self):
        if self.method == "ru_maxrss":
            return _maxrss_mb()
        return _mem_status()["VmHWM"]

    def restart(self):
        self.peak0 = self._high() - self.base0
        if self.method != "ru_maxrss":
            _reset_hwm()
        self.base1 = self._base()

    def finish(self):
        high = self._high()
        fit = max(0.0, high - self.base1)
        if self.method == "ru_maxrss":
            return max(0.0, high - self.base0), fit
        return max(0.0, self.peak0, high - self.base0), fit

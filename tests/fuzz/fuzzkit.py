"""The one oracle of the hostile-input suite, and the settings every fuzz test runs under.

A call of a public btstats function passes when it either

(a) returns a result whose numbers are sound: scores finite and centred
    (``|sum| <= 1e-8 * max(1, max|s|) * n``), standard errors finite and positive where they
    are defined, probabilities in [0, 1] summing to one, log-likelihoods finite; a result
    flagged ``converged=True`` carries no NaN, and a ``ConvergenceWarning`` comes with
    ``converged=False`` (and the other way round); or

(b) raises a *named* error with a non-empty message: an instance of ``btstats.DataError``
    (``NoMLEError`` and ``TiesError`` are subclasses), or a ``ValueError`` / ``TypeError`` /
    ``KeyError`` / ``IndexError`` whose innermost traceback frame lies inside the btstats
    package (so a raw numpy / pandas / scipy error escaping from btstats fails; an error
    re-raised ``from exc`` inside btstats passes) and is a ``raise`` statement there (so
    ``0 < "0.9"`` or ``float("x")`` failing on a btstats line fails too; set
    ``BTSTATS_FUZZ_ORACLE=frame`` for the innermost-frame test alone).  ``MemoryError``,
    ``RecursionError``, ``ZeroDivisionError``, ``AttributeError``, ``FloatingPointError``,
    ``OverflowError`` and Numba's errors always fail, as does any other exception type;

and in either case returns within ``TIME_LIMIT`` seconds.  A call over the limit is run a
second time before it fails, so that a first call paying for Numba compilation (a new
read-only or non-contiguous array signature, a cold cache) is not taken for a hang.  Numba
kernels hold the GIL, so a call that never returns cannot be interrupted from Python; the
examples are kept small enough that such a hang shows as a suite that does not finish.

The command-line oracle (:func:`cli`): exit status 0, or exit status 2 with exactly one line
on standard error and no traceback.

Every call is counted per entry point (``CALLS``); ``tests/fuzz/conftest.py`` prints the
table at the end of the session.
"""
import dis
import io
import math
import os
import time
import traceback
import warnings
from collections import Counter, defaultdict
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, Verbosity, settings

import btstats
from btstats.exceptions import ConvergenceWarning, DataError

try:  # pragma: no cover - numba is a hard dependency of btstats
    from numba.core.errors import NumbaError
except ImportError:  # pragma: no cover
    NumbaError = ()

PACKAGE_DIR = Path(btstats.__file__).resolve().parent
#: Seconds a single call may take (after a second try, see the module docstring).
TIME_LIMIT = float(os.environ.get("BTSTATS_FUZZ_TIME_LIMIT", "20"))

#: A ValueError / TypeError / KeyError / IndexError must also come from a ``raise`` statement
#: of btstats (its innermost line starts with ``raise``): a ``TypeError`` of ``0 < "0.9"`` or
#: a ``ValueError`` of ``float("x")`` on a btstats line is as raw as one from inside numpy.
#: ``BTSTATS_FUZZ_ORACLE=frame`` keeps only the innermost-frame test.
STRICT_RAISE = os.environ.get("BTSTATS_FUZZ_ORACLE", "").strip().lower() != "frame"

ALWAYS_FAIL = (MemoryError, RecursionError, ZeroDivisionError, AttributeError,
               FloatingPointError)
NAMED_BUILTINS = (ValueError, TypeError, KeyError, IndexError)

#: Calls per entry point, and their outcomes (``returned`` or the exception class name).
CALLS = Counter()
OUTCOMES = defaultdict(Counter)
SECONDS = Counter()
#: ``BTSTATS_FUZZ_DEBUG=1``: the heads of the error messages too (to tune the strategies).
DEBUG = bool(os.environ.get("BTSTATS_FUZZ_DEBUG"))
MESSAGES = defaultdict(Counter)


# =========================================================================== profiles
FUZZ_PROFILE = "btstats-fuzz"
LONG_PROFILE = "btstats-fuzz-long"
# no "explain" phase: its line tracing through pandas costs tens of seconds per failing test
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
_BASE = dict(deadline=None, database=None, print_blob=False, verbosity=Verbosity.normal,
             phases=_PHASES,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                    HealthCheck.filter_too_much,
                                    HealthCheck.function_scoped_fixture])
settings.register_profile(FUZZ_PROFILE, derandomize=True, **_BASE)
# the long profile explores new examples on every run; a failure prints its seed
settings.register_profile(LONG_PROFILE, derandomize=False, **{**_BASE, "print_blob": True})


def _long():
    return os.environ.get("BTSTATS_FUZZ", "").strip().lower() in ("long", "1", "true", "yes")


#: The CI profile runs ``CI_SCALE`` times the base examples of each test (the base numbers
#: weigh the tests against each other; the scale sets the folder to about a minute on two
#: cores).  ``BTSTATS_FUZZ=long``: ``LONG_FACTOR`` times the base, with random examples.
CI_SCALE = 2
LONG_FACTOR = 50


def examples(base):
    """``max_examples`` of a test whose base budget is ``base`` examples.

    ``BTSTATS_FUZZ_EXAMPLES=N`` gives every test ``N`` examples; ``BTSTATS_FUZZ=long`` gives
    ``LONG_FACTOR * base`` (random); otherwise ``CI_SCALE * base`` (the deterministic CI
    profile).
    """
    fixed = os.environ.get("BTSTATS_FUZZ_EXAMPLES", "").strip()
    if fixed:
        return max(int(fixed), 1)
    return base * (LONG_FACTOR if _long() else CI_SCALE)


def fuzz(base, **overrides):
    """``@settings`` of a fuzz test: the CI profile (deterministic, no database) with
    ``CI_SCALE * base`` examples, or the long profile (see :func:`examples`).  It leaves the
    global ``btstats`` profile of ``tests/conftest.py`` alone."""
    parent = settings.get_profile(LONG_PROFILE if _long() else FUZZ_PROFILE)
    return settings(parent, max_examples=examples(base), **overrides)


# =========================================================================== the oracle
class OracleFailure(AssertionError):
    """A call broke the oracle (the message says how)."""


@dataclass
class Outcome:
    entry: str
    returned: bool
    value: object = None
    error: BaseException = None
    warnings: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def converged(self):
        return getattr(self.value, "converged", None)


def _short(x, limit=300):
    try:
        text = repr(x)
    except Exception as exc:  # pragma: no cover - a repr that fails is worth seeing
        text = f"<repr failed: {type(exc).__name__}>"
    return text if len(text) <= limit else text[:limit] + "..."


def describe_call(entry, args, kwargs):
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return f"{entry}({', '.join(parts)})"


def innermost_frame(exc):
    tb = traceback.extract_tb(exc.__traceback__)
    return tb[-1] if tb else None


_RAISE_OPS = {dis.opmap[name] for name in ("RAISE_VARARGS", "RERAISE") if name in dis.opmap}


def raised_by_raise(exc):
    """Whether the innermost frame stopped on a ``raise`` instruction (judged from the
    bytecode, not the source text, which others may be editing while the suite runs)."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    try:
        return tb.tb_frame.f_code.co_code[tb.tb_lasti] in _RAISE_OPS
    except IndexError:  # pragma: no cover
        return False


def in_package(frame):
    if frame is None:
        return False
    try:
        return Path(frame.filename).resolve().is_relative_to(PACKAGE_DIR)
    except (OSError, ValueError):  # pragma: no cover
        return False


def exception_verdict(exc):
    """``None`` if ``exc`` is a named error; else the reason it breaks the oracle."""
    msg = str(exc).strip()
    if isinstance(exc, KeyError) and exc.args:
        msg = str(exc.args[0]).strip()
    frame = innermost_frame(exc)
    where = f"{frame.filename}:{frame.lineno} in {frame.name}" if frame else "?"
    if isinstance(exc, ALWAYS_FAIL):
        return f"{type(exc).__name__} is never a named error (raised at {where})"
    if NumbaError and isinstance(exc, NumbaError):
        return f"a Numba error escaped (raised at {where})"
    if isinstance(exc, DataError):
        return None if msg else "a DataError with an empty message"
    if isinstance(exc, NAMED_BUILTINS):
        if not in_package(frame):
            return (f"{type(exc).__name__} raised outside btstats (innermost frame {where}); "
                    f"btstats must check the input and raise a named error itself")
        if STRICT_RAISE and not raised_by_raise(exc):
            line = (frame.line or "").strip()[:100]
            return (f"{type(exc).__name__} raised by an operation inside btstats, not by a "
                    f"`raise` that checks the input ({where}: {line!r})")
        return None if msg else f"{type(exc).__name__} with an empty message"
    return f"{type(exc).__name__} is not a named error (raised at {where})"


def _tail(exc, k=4):
    frames = traceback.extract_tb(exc.__traceback__)[-k:]
    return "  last frames:\n" + "".join(traceback.format_list(frames))


def _run(func, args, kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        try:
            value = func(*args, **kwargs)
            error = None
        except KeyboardInterrupt:  # pragma: no cover
            raise
        except BaseException as exc:  # noqa: BLE001 - the oracle judges every exception
            value, error = None, exc
        seconds = time.perf_counter() - t0
    return value, error, list(caught), seconds


def call(entry, func, *args, check=None, **kwargs):
    """Call ``func(*args, **kwargs)`` under the oracle; return its :class:`Outcome`.

    ``check(value)``, if given, adds entry-point specific assertions on a returned value
    (on top of the generic ones of :func:`check_value`).  Raises :class:`OracleFailure`.
    """
    CALLS[entry] += 1
    value, error, caught, seconds = _run(func, args, kwargs)
    if seconds > TIME_LIMIT:   # maybe it compiled: the second run decides
        value, error, caught, seconds = _run(func, args, kwargs)
    SECONDS[entry] += seconds
    what = describe_call(entry, args, kwargs)
    if seconds > TIME_LIMIT:
        raise OracleFailure(f"{what} took {seconds:.1f} s (> {TIME_LIMIT:g} s): a hostile "
                            f"input must be refused at once, not run")
    if error is not None:
        OUTCOMES[entry][type(error).__name__] += 1
        if DEBUG:
            MESSAGES[entry][f"{type(error).__name__}: {str(error)[:70]}"] += 1
        reason = exception_verdict(error)
        if reason is not None:
            # not chained (`from None`): pytest would render the whole traceback through
            # pandas for every failure the shrinker meets; the last frames are in the text
            raise OracleFailure(f"{what} raised {type(error).__name__}: "
                                f"{str(error)[:300]!s}\n  -> {reason}\n"
                                f"{_tail(error)}") from None
        return Outcome(entry, False, error=error, warnings=caught, seconds=seconds)
    OUTCOMES[entry]["returned"] += 1
    out = Outcome(entry, True, value=value, warnings=caught, seconds=seconds)
    try:
        check_warnings(out)
        check_value(value)
        if check is not None:
            check(value)
    except AssertionError as exc:
        raise OracleFailure(f"{what} returned a bad result: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a result whose plain attributes raise
        raise OracleFailure(f"{what} returned a result whose attributes raise "
                            f"{type(exc).__name__}: {str(exc)[:200]}\n{_tail(exc)}") from None
    return out


def returned(entry, func, *args, check=None, **kwargs):
    """:func:`call`, giving the value or ``None`` when a named error was raised."""
    out = call(entry, func, *args, check=check, **kwargs)
    return out.value if out.returned else None


def check_warnings(out):
    conv = [w for w in out.warnings if issubclass(w.category, ConvergenceWarning)]
    flag = getattr(out.value, "converged", None)
    if conv:
        assert flag is not True, (f"a ConvergenceWarning ({str(conv[0].message)[:120]!r}) "
                                  f"with converged=True")
    # a fitting call that stops short says so (a later copy, e.g. with_covariance, need not)
    if flag is False and out.entry.startswith(("fit", "bootstrap")) and \
            isinstance(out.value, (btstats.PairwiseFit, btstats.AnnotatorFit)):
        assert conv, "converged=False without a ConvergenceWarning"


# =========================================================================== results
def finite(x, what):
    arr = np.asarray(x, dtype=float)
    assert np.all(np.isfinite(arr)), f"{what} not finite: {_short(arr, 200)}"
    return arr


def check_centred(s, what="scores"):
    s = finite(s, what)
    n = s.size
    scale = max(1.0, float(np.max(np.abs(s)))) if n else 1.0
    assert abs(float(np.sum(s))) <= 1e-8 * scale * max(n, 1), \
        f"{what} not centred: sum {float(np.sum(s)):.3g} over {n} items (max |s| {scale:.3g})"


def check_probability(p, what="probability"):
    p = finite(p, what)
    assert np.all((p >= 0.0) & (p <= 1.0)), f"{what} outside [0, 1]: {_short(p, 200)}"
    return p


def check_probability_triple(triple, what="probabilities"):
    parts = [check_probability(x, f"{what}[{k}]") for k, x in enumerate(triple)]
    total = parts[0] + parts[1] + parts[2]
    assert np.allclose(total, 1.0, atol=1e-9), f"{what} sum to {_short(total, 200)}, not 1"


def check_frame_finite(df, what, allow=()):
    num = df.select_dtypes(include=[np.number, "bool"])
    for col in num.columns:
        if col in allow:
            continue
        finite(num[col].to_numpy(dtype=float), f"{what} column {col!r}")


def check_fit(res):
    """A :class:`btstats.PairwiseFit`: the cheap numbers (the covariance is checked by
    :func:`check_fit_covariance`, which goes through the oracle)."""
    check_centred(res._s if hasattr(res, "_s") else res.scores.to_numpy())
    ll = res.loglik
    assert math.isfinite(ll), f"loglik {ll!r}"
    assert ll <= 1e-9 * max(1.0, abs(ll)), f"loglik {ll!r} > 0"
    assert math.isfinite(res.aic) and math.isfinite(res.bic), f"aic {res.aic}, bic {res.bic}"
    assert math.isfinite(res.n_comparisons) and res.n_comparisons > 0, \
        f"n_comparisons {res.n_comparisons!r}"
    if res.theta is not None:
        assert math.isfinite(res.theta) and res.theta >= 1.0, f"theta {res.theta!r}"
    if res.converged:
        assert math.isfinite(res.gradient_norm), f"gradient_norm {res.gradient_norm!r}"


def check_fit_covariance(res, entry="PairwiseFit.standard_errors"):
    """Standard errors (and the covariance) of a converged fit, through the oracle."""
    try:
        _check_fit_covariance(res, entry)
    except OracleFailure:
        raise
    except AssertionError as exc:
        raise OracleFailure(f"{entry} of {res!r} (theta {res.theta}, scores "
                            f"{_short(res.scores.to_numpy(), 200)}): {exc}") from None


def _check_fit_covariance(res, entry):
    if not res.converged or not res.has_intervals:
        return
    se = returned(entry, lambda: res.standard_errors)
    if se is None:
        return
    se = finite(se.to_numpy(), "standard errors")
    strict = res.covariance_type in ("observed", "expected")
    if strict:
        assert np.all(se > 0), f"standard errors not > 0: {_short(se, 200)}"
    else:
        assert np.all(se >= 0), f"standard errors < 0: {_short(se, 200)}"
    cov = res.parameter_covariance.to_numpy()
    finite(cov, "covariance")
    lam = np.linalg.eigvalsh(0.5 * (cov + cov.T))
    top = max(float(lam[-1]), 0.0)
    assert lam[0] >= -1e-9 * max(top, 1e-300), \
        f"covariance not positive semi-definite: eigenvalues {lam[0]:.3g} .. {lam[-1]:.3g}"
    # the scores' covariance is that of centred scores: its rows sum to zero
    n = res.n_items
    rows = cov[:n, :n].sum(axis=1)
    assert np.all(np.abs(rows) <= 1e-7 * max(top, 1e-300) * n), \
        f"covariance rows do not sum to zero: {_short(rows, 200)}"
    if res.theta is not None:
        tse = res.theta_se
        assert math.isfinite(tse) and tse >= 0, f"theta_se {tse!r}"


def check_bootstrap(boot):
    finite(boot.estimate.to_numpy(), "bootstrap estimate")
    dist = finite(boot.bootstrap_distribution, "bootstrap distribution")
    assert dist.ndim == 2 and dist.shape[0] >= 2, f"distribution shape {dist.shape}"
    n = boot.fit.n_items
    for row in dist[: min(dist.shape[0], 50), :n]:
        check_centred(row, "bootstrap replicate scores")
    se = finite(boot.standard_error.to_numpy(), "bootstrap standard error")
    assert np.all(se >= 0), "bootstrap standard error < 0"
    if boot.fit.theta is not None:
        assert np.all(dist[:, n] >= 1.0 - 1e-12), "bootstrap theta below 1"


def check_ci_frame(df, what="interval"):
    lo = finite(df["low"].to_numpy() if "low" in df else df.iloc[:, 0].to_numpy(), f"{what} low")
    hi = finite(df["high"].to_numpy() if "high" in df else df.iloc[:, 1].to_numpy(),
                f"{what} high")
    assert np.all(lo <= hi + 1e-12 * np.maximum(1, np.abs(hi))), f"{what}: low > high"


def check_rank_sets(rs):
    n = rs.lower.size
    lo = rs.lower.to_numpy()
    hi = rs.upper.to_numpy()
    assert np.all((1 <= lo) & (lo <= hi) & (hi <= n)), f"rank sets {lo} .. {hi} for {n} items"
    est = rs.estimate_rank.to_numpy()
    assert np.all((1 <= est) & (est <= n)), f"estimate ranks {est}"
    finite(rs.critical_value.to_numpy(), "critical values")
    assert np.all(rs.critical_value.to_numpy() >= 0), "negative critical value"
    finite(rs.estimate.to_numpy(), "rank-set estimate")


def check_comparisons(c):
    assert c.n_items >= 1 and c.pairs.n_pairs >= 1
    total = c.n_comparisons
    assert math.isfinite(total) and total > 0, f"n_comparisons {total!r}"
    p = c.pairs
    for name in ("wab", "wba", "tie"):
        w = finite(getattr(p, name), f"pair counts {name}")
        assert np.all(w >= 0), f"negative pair counts {name}"
    assert np.all((p.pi >= 0) & (p.pi < p.pj) & (p.pj < c.n_items)), "pair codes out of order"


def check_simulation(sim):
    check_centred(sim.scores.to_numpy(), "simulated true scores")
    finite(sim.utilities.to_numpy(), "utilities")
    out = sim.data["outcome"].to_numpy(dtype=float)
    assert np.all(np.isin(out, (0.0, 0.5, 1.0))), "outcomes outside {0, 0.5, 1}"
    if sim.theta is None and sim.annotators is None:
        assert not np.any(out == 0.5), "a tie from a model without ties"
    assert len(sim.data) == sim.n_comparisons


def check_design(d):
    a, b = np.asarray(d.a), np.asarray(d.b)
    assert a.shape == b.shape and a.ndim == 1 and a.shape[0] == d.n_comparisons
    assert d.n_comparisons >= 1, "an empty design"
    assert np.all(a != b), "a design compares an item with itself"
    assert np.all((a >= 0) & (b >= 0) & (a < d.n_items) & (b < d.n_items)), \
        f"design codes outside 0..{d.n_items - 1}"


def check_ceilings(c):
    est = finite(c.estimates, "ceilings")
    for k in ("agreement", "agreement_no_ties", "accuracy", "accuracy_no_ties", "brier",
              "brier_no_ties"):
        v = getattr(c, k)
        assert -1e-12 <= v <= 1 + 1e-12, f"ceiling {k} = {v!r} outside [0, 1]"
    assert c.log_loss >= -1e-12 and c.log_loss_no_ties >= -1e-12, "negative entropy"
    assert c.agreement <= c.accuracy + 1e-12, "agreement above the Bayes ceiling"
    assert math.isfinite(c.n_comparisons) and c.n_comparisons > 0
    if c.draws is not None:
        assert c.draws.shape[1] == est.size


def check_kappa(k):
    assert math.isfinite(k.kappa) and k.kappa <= 1 + 1e-12, f"kappa {k.kappa!r}"
    assert math.isfinite(k.se) and k.se >= 0, f"kappa se {k.se!r}"
    assert 0 <= k.observed <= 1 + 1e-12 and 0 <= k.expected <= 1 + 1e-12


def check_annotator_fit(f):
    check_centred(f.scores.to_numpy(), "annotator-fit scores")
    beta = f.beta.to_numpy()
    active = np.zeros(beta.shape[0], bool)
    active[f._info["active"]] = True
    finite(beta[active], "beta of annotators with decisive labels")
    assert np.all(np.isnan(beta[~active])), "beta of an annotator without decisive labels"
    assert math.isfinite(f.loglik), f"annotator loglik {f.loglik!r}"
    if f.converged:
        se = f.beta_se.to_numpy()[active]
        finite(se, "beta standard errors of a converged fit")
        if not f.scores_fixed:
            sse = finite(f.standard_errors.to_numpy(), "score standard errors of a converged fit")
            assert np.all(sse > 0), "score standard errors not > 0"


def check_evaluation(ev):
    for k in ("accuracy", "accuracy_all", "brier", "brier_all", "log_loss"):
        v = getattr(ev, k)
        assert math.isfinite(v), f"evaluation {k} = {v!r}"
    assert 0 <= ev.accuracy <= 1 and 0 <= ev.accuracy_all <= 1
    assert ev.log_loss >= 0 and ev.brier >= 0
    assert math.isfinite(ev.n_labels) and ev.n_labels > 0


def check_value(v):
    """The generic checks by result type (entry points add their own with ``check=``)."""
    if isinstance(v, btstats.PairwiseFit):
        check_fit(v)
    elif isinstance(v, btstats.BootstrapResult):
        check_bootstrap(v)
    elif isinstance(v, btstats.Comparisons):
        check_comparisons(v)
    elif isinstance(v, btstats.Simulation):
        check_simulation(v)
    elif isinstance(v, btstats.Design):
        check_design(v)
    elif isinstance(v, btstats.Ceilings):
        check_ceilings(v)
    elif isinstance(v, btstats.RankSets):
        check_rank_sets(v)
    elif isinstance(v, btstats.AnnotatorFit):
        check_annotator_fit(v)
    elif isinstance(v, btstats.Evaluation):
        check_evaluation(v)
    elif isinstance(v, btstats.PairProbabilities):
        check_probability_triple(v)
    elif isinstance(v, btstats.ConfidenceInterval):
        check_ci_frame(v.to_frame())
    elif type(v).__name__ == "KappaResult":
        check_kappa(v)
    elif isinstance(v, (float, np.floating)):
        assert math.isfinite(v), f"{v!r}"
    elif isinstance(v, str):
        assert v.strip(), "an empty text"


# =========================================================================== the CLI
@dataclass
class CliOutcome:
    code: int
    out: str
    err: str


def _run_cli(main, argv):
    out, err = io.StringIO(), io.StringIO()
    code, error = None, None
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = main(list(argv))
        except SystemExit as exc:   # argparse: the tests give only arguments it accepts
            code = exc.code
        except KeyboardInterrupt:  # pragma: no cover
            raise
        except BaseException as exc:  # noqa: BLE001
            error = exc
    return code, out, err, error, time.perf_counter() - t0


def cli(argv):
    """Run ``btstats.cli.main(argv)`` under the CLI oracle; return the :class:`CliOutcome`."""
    from btstats.cli import main

    entry = f"cli {argv[0]}" if argv else "cli"
    CALLS[entry] += 1
    code, out, err, exc, seconds = _run_cli(main, argv)
    if seconds > TIME_LIMIT:   # maybe it compiled: the second run decides
        code, out, err, exc, seconds = _run_cli(main, argv)
    if exc is not None:
        OUTCOMES[entry][type(exc).__name__] += 1
        raise OracleFailure(f"btstats {' '.join(map(str, argv))} raised "
                            f"{type(exc).__name__}: {str(exc)[:300]} (stderr: "
                            f"{err.getvalue()[-300:]!r})\n{_tail(exc)}") from None
    text = err.getvalue()
    OUTCOMES[entry][f"exit {code}"] += 1
    if DEBUG and code:
        MESSAGES[entry][text.strip()[:80]] += 1
    where = f"btstats {' '.join(map(str, argv))}"
    if seconds > TIME_LIMIT:
        raise OracleFailure(f"{where} took {seconds:.1f} s")
    if "Traceback" in text:
        raise OracleFailure(f"{where}: a traceback on stderr:\n{text[-2000:]}")
    if code == 0:
        return CliOutcome(0, out.getvalue(), text)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if code != 2 or len(lines) != 1:
        raise OracleFailure(f"{where}: exit status {code!r} with {len(lines)} line(s) on "
                            f"stderr (want 0, or 2 with one line): {text[-1000:]!r}")
    return CliOutcome(2, out.getvalue(), text)

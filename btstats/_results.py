"""The one result base: :class:`ConfidenceInterval` and the :class:`ResultBase` mixin.

Every result class inherits :class:`ResultBase`: it implements ``to_frame(...)`` and, when
it has intervals, ``confidence_interval(confidence_level=0.95, *, interval=...)`` (returning a
:class:`ConfidenceInterval`, usually through :meth:`ResultBase._interval`, which calls
:func:`btstats.inference.intervals.compute`), and gets ``summary()`` (text) and
``_repr_html_()`` (notebooks) from the base: a title, an optional header of key / value lines,
the table of ``to_frame()``, then any further tables.
"""
import html
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import check_confidence_level
from . import _intervals

__all__ = ["ConfidenceInterval", "ResultBase"]

_KEYS = ("low", "high")


def _limit(x, name):
    if isinstance(x, pd.Series):
        return x
    if isinstance(x, (pd.DataFrame, pd.Index)) or np.ndim(x) != 0:
        raise TypeError(f"`{name}` must be a pandas Series (one limit per parameter) or a "
                        f"number (a scalar statistic); got {type(x).__name__}.")
    try:
        return float(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be a pandas Series or a number; got "
                        f"{x!r:.60}.") from exc


@dataclass(frozen=True, eq=False, repr=False)
class ConfidenceInterval:
    """Lower and upper confidence limits, with the level and the kind of interval.

    What every ``confidence_interval()`` of btstats returns.

    Unpacks like scipy's (``low, high = ci``); ``ci["low"]`` and ``ci["high"]`` (and
    ``ci[0]``, ``ci[1]``) index it as the tuple and DataFrame results of earlier versions did.

    Attributes
    ----------
    low, high : pandas.Series or float
        The limits: Series indexed by parameter (item, statistic, ...), or floats for a
        scalar statistic.
    confidence_level : float
        Coverage of the two-sided interval.
    interval : str
        The kind of interval: ``"wald"``, ``"percentile"``, ``"basic"``, ``"bca"`` (see
        :mod:`btstats.inference.intervals`), or what a rank set is (``"marginal"``,
        ``"simultaneous"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from btstats._results import ConfidenceInterval
    >>> ci = ConfidenceInterval(pd.Series([0.1, -0.4], index=["a", "b"], name="low"),
    ...                         pd.Series([0.9, 0.2], index=["a", "b"], name="high"),
    ...                         confidence_level=0.95, interval="wald")
    >>> low, high = ci
    >>> float(ci["low"]["b"]), float(high["a"])
    (-0.4, 0.9)
    >>> ci.to_frame()
       low  high
    a  0.1   0.9
    b -0.4   0.2
    """

    low: object
    high: object
    confidence_level: float
    interval: str

    def __post_init__(self):
        low = _limit(self.low, "low")
        high = _limit(self.high, "high")
        if isinstance(low, pd.Series) != isinstance(high, pd.Series):
            raise TypeError("`low` and `high` must both be Series (one limit per parameter) "
                            "or both numbers (a scalar statistic).")
        if isinstance(low, pd.Series) and not low.index.equals(high.index):
            raise ValueError("`low` and `high` must be indexed by the same parameters, in "
                             "the same order.")
        if not isinstance(self.interval, str):
            raise TypeError(f"`interval` must be a string naming the interval kind; got "
                            f"{self.interval!r}.")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "confidence_level",
                           check_confidence_level(self.confidence_level))

    # ------------------------------------------------------------------ tuple / dict access
    def __iter__(self):
        return iter((self.low, self.high))

    def __len__(self):
        return 2

    def __contains__(self, key):
        # ``"low" in ci`` as for the DataFrame of earlier versions (without this, ``in`` would
        # compare the key with each Series)
        return isinstance(key, str) and key in _KEYS

    def __getitem__(self, key):
        if isinstance(key, str):
            if key in _KEYS:
                return getattr(self, key)
            raise KeyError(f"a ConfidenceInterval has the limits 'low' and 'high'; got "
                           f"{key!r}.")
        if isinstance(key, (numbers.Integral, slice)) and not isinstance(key, bool):
            return (self.low, self.high)[key]
        raise KeyError(f"index a ConfidenceInterval by 'low' / 'high' (or 0 / 1); got "
                       f"{key!r:.60}.")

    # ------------------------------------------------------------------ tables
    @property
    def is_scalar(self):
        """Whether the limits are floats (one statistic) rather than Series."""
        return not isinstance(self.low, pd.Series)

    def to_frame(self, name=None):
        """The limits as a DataFrame with columns ``low`` and ``high``.

        Parameters
        ----------
        name : hashable, optional
            Row label for a scalar interval (default: a one-row RangeIndex); ignored for
            Series limits, whose index the frame keeps.

        Returns
        -------
        pandas.DataFrame
        """
        if self.is_scalar:
            index = pd.RangeIndex(1) if name is None else pd.Index([name])
            return pd.DataFrame({"low": [self.low], "high": [self.high]}, index=index)
        return pd.DataFrame({"low": self.low.to_numpy(), "high": self.high.to_numpy()},
                            index=self.low.index)

    def _title(self):
        return f"{100 * self.confidence_level:g}% {self.interval} confidence interval"

    def __repr__(self):
        if self.is_scalar:
            return (f"ConfidenceInterval(low={self.low!r}, high={self.high!r}, "
                    f"confidence_level={self.confidence_level:g}, interval={self.interval!r})")
        return (f"ConfidenceInterval(confidence_level={self.confidence_level:g}, "
                f"interval={self.interval!r})\n{self.to_frame()!r}")

    def _repr_html_(self):
        return (f"<div><b>{html.escape(self._title())}</b>{self.to_frame().to_html()}"
                f"</div>")


def _four_decimals(x):
    return f"{x:.4f}"


def _aligned(x, index, name):
    """The values of a pandas input as a float array, its labels checked against ``index``;
    anything else unchanged."""
    if isinstance(x, pd.Series):
        if index is not None and not x.index.equals(index):
            raise ValueError(f"`{name}` must be indexed by the parameters of the interval, in "
                             f"their order.")
        return x.to_numpy(dtype=float)
    if isinstance(x, pd.DataFrame):
        if index is not None and not x.columns.equals(index):
            raise ValueError(f"the columns of `{name}` must be the parameters of the "
                             f"interval, in their order.")
        return x.to_numpy(dtype=float)
    return x


class ResultBase:
    """The mixin every btstats result class inherits.

    A subclass implements :meth:`to_frame` and, when the result has intervals,
    ``confidence_interval(confidence_level=0.95, *, interval=...)`` returning a
    :class:`ConfidenceInterval` (usually by :meth:`_interval`).  A result without intervals
    (a simulation, a design) simply has no ``confidence_interval`` attribute, so
    ``hasattr(res, "confidence_interval")`` tells which results have them.  A subclass may
    set or override:

    - ``_summary_title``: the first line of :meth:`summary` (a class attribute, or a property
      for a title that depends on the result); the class name by default;
    - :meth:`_header`: ``(key, value)`` rows shown above the table (none by default);
    - :meth:`_summary_frame`: the table shown (``to_frame(*args, **options)`` by default);
    - ``_frame_format``: keyword arguments of ``DataFrame.to_string`` / ``to_html`` for that
      table (four decimals by default);
    - :meth:`_sections`: further ``(title, table)`` or ``(title, table, format)`` shown
      below it (none by default), e.g. a coefficient table.

    Examples
    --------
    >>> import pandas as pd
    >>> from btstats._results import ResultBase
    >>> class Mean(ResultBase):
    ...     _summary_title = "Sample means"
    ...     def __init__(self, est, se, n):
    ...         self.est, self.se, self.n = est, se, n
    ...     def _header(self):
    ...         return [("observations", f"{self.n}")]
    ...     def confidence_interval(self, confidence_level=0.95):
    ...         return self._interval("wald", self.est.index, estimate=self.est,
    ...                               standard_error=self.se,
    ...                               confidence_level=confidence_level)
    ...     def to_frame(self, confidence_level=0.95):
    ...         ci = self.confidence_interval(confidence_level)
    ...         return pd.DataFrame({"estimate": self.est, "se": self.se}).join(ci.to_frame())
    >>> res = Mean(pd.Series([1.0, 2.0], index=["x", "y"]), pd.Series([0.1, 0.2],
    ...            index=["x", "y"]), n=30)
    >>> print(res.summary())
    Sample means
    ============
    observations    30
    <BLANKLINE>
       estimate     se    low   high
    x    1.0000 0.1000 0.8040 1.1960
    y    2.0000 0.2000 1.6080 2.3920
    """

    __slots__ = ()

    #: Keyword arguments of ``DataFrame.to_string`` / ``DataFrame.to_html`` for the table of
    #: :meth:`summary` and :meth:`_repr_html_`.
    _frame_format = {"float_format": _four_decimals}

    @property
    def _summary_title(self):
        return type(self).__name__

    # ------------------------------------------------------------------ what subclasses give
    def to_frame(self, *args, **kwargs):
        """The result as a table (implemented by every result class)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement to_frame().")

    def _header(self):
        """``(key, value)`` rows shown above the table (strings); none by default."""
        return []

    def _summary_frame(self, *args, **options):
        """The table of :meth:`summary` and :meth:`_repr_html_`: ``to_frame(*args,
        **options)``."""
        return self.to_frame(*args, **options)

    def _sections(self, *args, **options):
        """Tables shown below the main one: ``(title, frame)`` or ``(title, frame, format)``
        tuples, ``format`` being keyword arguments of ``to_string`` / ``to_html``
        (``_frame_format`` by default); none by default.  Gets the options of
        :meth:`summary`."""
        return []

    def _section_list(self, *args, **options):
        out = []
        for section in self._sections(*args, **options):
            title, frame = section[0], section[1]
            fmt = section[2] if len(section) > 2 else self._frame_format
            out.append((str(title), frame, fmt))
        return out

    # ------------------------------------------------------------------ what the base gives
    def summary(self, *args, **options):
        """A text report: the title, the header rows, then the table.

        Parameters
        ----------
        *args, **options
            Passed to :meth:`to_frame` (for instance ``confidence_level``).

        Returns
        -------
        str
        """
        title = str(self._summary_title)
        rows = [(str(k), str(v)) for k, v in self._header()]
        lines = [title, "=" * len(title)]
        if rows:
            width = max(16, max(len(k) for k, _ in rows) + 2)
            lines += [f"{k:<{width}}{v}" for k, v in rows]
        text = "\n".join(lines) + "\n\n" + \
            self._summary_frame(*args, **options).to_string(**self._frame_format)
        for name, frame, fmt in self._section_list(*args, **options):
            text += f"\n\n{name}\n{frame.to_string(**fmt)}"
        return text

    def _repr_html_(self):
        head = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                       f"<td>{html.escape(str(v))}</td></tr>" for k, v in self._header())
        head = f"<table>{head}</table>" if head else ""
        table = self._summary_frame().to_html(**self._frame_format)
        more = "".join(f"<p><b>{html.escape(name)}</b></p>{frame.to_html(**fmt)}"
                       for name, frame, fmt in self._section_list())
        return (f"<div><b>{html.escape(str(self._summary_title))}</b>{head}{table}{more}"
                f"</div>")

    def _interval(self, interval, index, *, estimate, standard_error=None, draws=None,
                  acceleration=None, confidence_level=0.95):
        """:func:`btstats.inference.intervals.compute` wrapped in a
        :class:`ConfidenceInterval`.

        Parameters
        ----------
        interval : {"wald", "percentile", "basic", "bca"}
            The interval kind.
        index : sequence or pandas.Index or None
            Labels of the parameters (the Series index of the limits); None for a scalar
            statistic (float limits).  Series inputs must carry this index, DataFrame
            ``draws`` these columns.
        estimate, standard_error, draws, acceleration, confidence_level
            As for :func:`btstats.inference.intervals.compute` (arrays or pandas).

        Returns
        -------
        ConfidenceInterval
        """
        level = check_confidence_level(confidence_level)
        labels = None if index is None else pd.Index(index)
        low, high = _intervals.compute(
            interval, estimate=_aligned(estimate, labels, "estimate"),
            standard_error=_aligned(standard_error, labels, "standard_error"),
            draws=_aligned(draws, labels, "draws"),
            acceleration=_aligned(acceleration, labels, "acceleration"),
            confidence_level=level, names=None if labels is None else list(labels))
        if labels is None:
            if np.ndim(low) != 0:
                raise ValueError(f"the interval has {np.size(low)} parameters: pass their "
                                 f"labels as `index`.")
            return ConfidenceInterval(float(low), float(high), level, interval)
        low = np.asarray(low, dtype=float).reshape(-1)
        high = np.asarray(high, dtype=float).reshape(-1)
        if low.shape[0] != len(labels):
            raise ValueError(f"`index` has {len(labels)} labels for an interval of "
                             f"{low.shape[0]} parameters.")
        return ConfidenceInterval(pd.Series(low, index=labels, name="low"),
                                  pd.Series(high, index=labels, name="high"), level,
                                  interval)

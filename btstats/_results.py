"""The one result base: :class:`ConfidenceInterval` and the :class:`ResultBase` mixin.

Every result class inherits :class:`ResultBase`: it implements ``to_frame(...)`` and, when
it has intervals, ``confidence_interval(confidence_level=0.95, *, interval=...)`` (returning a
:class:`ConfidenceInterval`, usually through :meth:`ResultBase._interval`, which calls
:func:`btstats.inference.intervals.compute`), and gets ``summary()`` (text) and
``_repr_html_()`` (notebooks) from the base: a title, an optional header of key / value lines,
the table of ``to_frame()``, then any further tables.

The HTML view is one renderer for every result (:meth:`ResultBase.to_html`): the title, the header
rows as a block of key numbers, then the main table with an inline SVG bar per row that draws
the row's interval on the common range of the table (the point estimate marked), whole-number
counts printed as integers and numbers rounded per column; then the further tables.  It is
self-contained: CSS scoped by the class ``btstats-result``, no script, no external asset.
"""
import html
import math
import numbers
from dataclasses import dataclass
from typing import Any

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

    low: Any        # a pandas.Series by parameter, or a float
    high: Any
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


# ---------------------------------------------------------------------------- the HTML view
#: The class of the outer ``<div>`` of every HTML view; all its CSS is scoped by it.
HTML_CLASS = "btstats-result"
_BAR_COLOR = "#4c72b0"
_CSS = (
    "<style>"
    f".{HTML_CLASS}{{font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,"
    "sans-serif;font-size:12.5px;line-height:1.35;max-width:100%;overflow-x:auto}"
    f".{HTML_CLASS} .bt-title{{font-size:14px;margin:0 0 6px 0}}"
    f".{HTML_CLASS} .bt-head{{display:flex;flex-wrap:wrap;gap:6px 22px;margin:0 0 8px 0;"
    "width:fit-content;max-width:100%;box-sizing:border-box;"
    f"padding:6px 10px;border-left:3px solid {_BAR_COLOR};background:rgba(76,114,176,.07)}}"
    f".{HTML_CLASS} .bt-k{{display:block;font-size:10.5px;letter-spacing:.02em;opacity:.7}}"
    f".{HTML_CLASS} .bt-v{{display:block;font-weight:600;font-variant-numeric:tabular-nums}}"
    f".{HTML_CLASS} table.bt-table{{border-collapse:collapse;margin:0 0 8px 0;"
    "font-size:inherit;font-variant-numeric:tabular-nums;border:none}"
    f".{HTML_CLASS} table.bt-table caption{{caption-side:top;text-align:left;font-size:11px;"
    "opacity:.75;padding:0 0 2px 0}"
    f".{HTML_CLASS} table.bt-table th{{font-weight:600;text-align:right;padding:3px 8px;"
    "border:none;border-bottom:1px solid rgba(128,128,128,.6);white-space:nowrap}"
    f".{HTML_CLASS} table.bt-table td{{text-align:right;padding:2px 8px;border:none;"
    "white-space:nowrap}"
    f".{HTML_CLASS} table.bt-table .bt-text{{text-align:left}}"
    f".{HTML_CLASS} table.bt-table tbody th{{font-weight:normal;border-bottom:none}}"
    f".{HTML_CLASS} table.bt-table tbody tr:nth-child(even){{background:rgba(128,128,128,.08)}}"
    f".{HTML_CLASS} table.bt-table td.bt-na{{opacity:.4}}"
    f".{HTML_CLASS} table.bt-table td.bt-bar{{padding:0 8px;line-height:0}}"
    f".{HTML_CLASS} table.bt-table th.bt-bar{{text-align:center;font-weight:normal;"
    "font-size:10.5px;opacity:.8}"
    f".{HTML_CLASS} .bt-more{{font-size:11px;opacity:.7;margin:-4px 0 8px 0}}"
    f".{HTML_CLASS} .bt-section-title{{margin:6px 0 2px 0}}"
    "</style>")
_BAR_WIDTH = 150
_BAR_HEIGHT = 16
_BAR_PAD = 5
#: Column names of the point estimate, and of the limits, that the bars are found by.
_ESTIMATE_NAMES = ("score", "estimate", "rating", "beta", "held_out")
_LIMIT_NAMES = (("ci_low", "ci_high"), ("low", "high"), ("lower", "upper"))
#: Columns printed as integers when their values are whole (also any ``n_...`` column).
_COUNT_NAMES = frozenset({"wins", "losses", "ties", "n", "df", "numerator", "denominator",
                          "comparisons", "opponents", "battles", "count", "counts"})
_P_NAMES = frozenset({"p", "pvalue", "p_value", "p-value"})


def _esc(x):
    return html.escape(str(x), quote=True)


def _html_header(rows):
    """The header rows as a block of key / value cells."""
    if not rows:
        return ""
    cells = "".join(f'<div class="bt-kv"><span class="bt-k">{_esc(k)}</span>'
                    f'<span class="bt-v">{_esc(v)}</span></div>' for k, v in rows)
    return f'<div class="bt-head">{cells}</div>'


def _is_count_name(name):
    text = str(name)
    return text in _COUNT_NAMES or text.startswith("n_")


def _numeric(col):
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _decimals(values):
    """Decimals for a float column: about five significant digits of its largest value,
    four decimals below 10, at least one; None (significant digits) for a column of values
    all below 1e-3."""
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 0.0
    if 0 < top < 1e-3:
        return None
    if top < 10:
        return 4
    return max(1, 4 - int(math.floor(math.log10(top))))


def _column_formatter(name, col):
    """A function from a cell to ``(text, css class)`` for one column of the table."""
    if not _numeric(col):
        def text(x):
            if x is None or (isinstance(x, float) and math.isnan(x)):
                return "—", "bt-na bt-text"
            return _esc(x), "bt-text"
        return text
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    whole = bool(finite.size) and bool(np.all(finite == np.round(finite)))
    if pd.api.types.is_integer_dtype(col) or (whole and _is_count_name(name)):
        kind = "int"
    elif str(name).lower() in _P_NAMES:
        kind = "p"
    else:
        kind = "float"
    digits = _decimals(values)

    def number(x):
        try:
            v = float(x)
        except (TypeError, ValueError):
            return _esc(x), "bt-text"
        if math.isnan(v):
            return "—", "bt-na"
        if math.isinf(v):
            return ("∞" if v > 0 else "−∞"), ""
        if kind == "int" and v == round(v) and abs(v) < 2 ** 63:
            return f"{int(v)}", ""
        if kind == "p" or digits is None or abs(v) >= 1e7:
            return f"{v:.4g}", ""
        return f"{v:.{digits}f}", ""
    return number


def _bar_columns(frame, spec):
    """The ``(estimate, low, high)`` columns of ``frame`` to draw as bars, or None."""
    if spec is not None:
        if not spec or not all(c in frame.columns for c in spec):
            return None
        return tuple(spec)
    for est in _ESTIMATE_NAMES:
        if est not in frame.columns:
            continue
        for low, high in _LIMIT_NAMES:
            if low in frame.columns and high in frame.columns:
                cols = (est, low, high)
                if all(_numeric(frame[c]) for c in cols):
                    return cols
        return None
    return None


def _bar_range(frame, cols):
    vals = np.concatenate([pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
                           for c in cols])
    vals = vals[np.isfinite(vals)]
    if not vals.size:
        return None
    lo, hi = float(vals.min()), float(vals.max())
    if not hi > lo:
        half = 0.5 * abs(lo) if lo != 0 else 0.5
        lo, hi = lo - half, hi + half
    return lo, hi


def _svg_bar(est, low, high, lo, hi):
    """An inline SVG: the interval ``[low, high]`` as a band, ``est`` as a dot, on the axis
    ``[lo, hi]`` (a dashed line at 0 when 0 is inside it)."""
    w, h, pad = _BAR_WIDTH, _BAR_HEIGHT, _BAR_PAD
    span = hi - lo

    def x(v):
        return pad + (min(max(v, lo), hi) - lo) / span * (w - 2 * pad)

    def fin(v):
        return v is not None and math.isfinite(v)

    parts = []
    if lo < 0 < hi:
        parts.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="1" y2="{h - 1}" '
                     f'stroke="#999" stroke-width="1" stroke-dasharray="2,2"/>')
    if fin(low) and fin(high):
        x0, x1 = x(min(low, high)), x(max(low, high))
        width = max(x1 - x0, 2.0)
        parts.append(f'<rect class="bt-interval" x="{x0:.1f}" y="{h / 2 - 3:.1f}" '
                     f'width="{width:.1f}" height="6" rx="3" fill="{_BAR_COLOR}" '
                     f'fill-opacity="0.4"/>')
    if fin(est):
        parts.append(f'<circle class="bt-estimate" cx="{x(est):.1f}" cy="{h / 2:.1f}" r="3" '
                     f'fill="{_BAR_COLOR}"/>')
    tip = (f"{_plain(est)} [{_plain(low)}, {_plain(high)}]")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" role="img"><title>{_esc(tip)}</title>{"".join(parts)}'
            f'</svg>')


def _plain(v):
    return "NaN" if v is None or not math.isfinite(v) else f"{v:.4g}"


def _show_index(frame, index):
    if not index:
        return False
    idx = frame.index
    plain = (isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1
             and idx.name is None)
    return not plain


def _html_table(frame, bars, index=True, max_rows=None):
    """One table of the HTML view; ``bars`` the ``(estimate, low, high)`` columns or None."""
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    show_index = _show_index(frame, index)
    n = len(frame)
    limit = int(max_rows) if max_rows else int(pd.get_option("display.max_rows") or 60)
    rows = list(range(n)) if n <= limit else \
        list(range(limit // 2)) + [None] + list(range(n - limit // 2, n))
    columns = list(frame.columns)
    formats = [_column_formatter(c, frame.iloc[:, j]) for j, c in enumerate(columns)]
    numeric = [_numeric(frame.iloc[:, j]) for j in range(len(columns))]
    axis = _bar_range(frame, bars) if bars else None
    after = columns.index(bars[2]) if axis else -1

    head = []
    if show_index:
        names = [x for x in frame.index.names if x is not None]
        head.append(f'<th class="bt-text">{_esc(", ".join(map(str, names)))}</th>')
    for j, c in enumerate(columns):
        label = " / ".join(map(str, c)) if isinstance(c, tuple) else c
        cls = "" if numeric[j] else ' class="bt-text"'
        head.append(f"<th{cls}>{_esc(label)}</th>")
        if j == after:
            head.append(f'<th class="bt-bar">{_esc(_plain(axis[0]))} … '
                        f'{_esc(_plain(axis[1]))}</th>')
    caption = ""
    if frame.columns.name is not None:
        caption = f"<caption>{_esc(frame.columns.name)}</caption>"

    body = []
    width = len(columns) + (1 if show_index else 0) + (1 if axis else 0)
    for i in rows:
        if i is None:
            body.append(f'<tr><td class="bt-na" colspan="{width}">⋮</td></tr>')
            continue
        cells = []
        if show_index:
            label = frame.index[i]
            label = " / ".join(map(str, label)) if isinstance(label, tuple) and \
                frame.index.nlevels > 1 else label
            cells.append(f'<th class="bt-text">{_esc(label)}</th>')
        for j in range(len(columns)):
            text, cls = formats[j](frame.iat[i, j])
            cells.append(f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>")
            if j == after:
                est, low, high = (_as_float(frame[c].iloc[i]) for c in bars)
                cells.append(f'<td class="bt-bar">{_svg_bar(est, low, high, *axis)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    more = ""
    if n > limit:
        more = f'<div class="bt-more">{n} rows × {len(columns)} columns</div>'
    return (f'<table class="bt-table">{caption}<thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{more}')


def _as_float(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None



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
    - ``_frame_format``: keyword arguments of ``DataFrame.to_string`` for that table (four
      decimals by default; the HTML view reads its ``index`` and ``max_rows``);
    - :meth:`_sections`: further ``(title, table)`` or ``(title, table, format)`` shown
      below it (none by default), e.g. a coefficient table;
    - ``_header_takes_options``: True when :meth:`_header` takes the options of
      :meth:`summary` (the interval kind and level of a bootstrap, say); False by default;
    - ``_interval_columns``: the ``(estimate, low, high)`` columns of the table drawn as
      inline interval bars in the HTML view; ``None`` (the default) finds them by name
      (``score`` / ``estimate`` / ``rating`` / ``beta`` with ``ci_low, ci_high``,
      ``low, high`` or ``lower, upper``), ``()`` draws none.

    The HTML view (:meth:`to_html`, :meth:`_repr_html_`) renders the same parts: the title,
    the header rows as a block of key numbers, the table with a bar per row for its interval
    (on the common range of the table, the estimate marked), whole-number counts as
    integers, numbers rounded per column (p-values to four significant digits), then the
    further tables.

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

    #: Keyword arguments of ``DataFrame.to_string`` for the table of :meth:`summary` (the
    #: HTML view reads ``index`` and ``max_rows`` from it).
    _frame_format: dict = {"float_format": _four_decimals}
    #: Whether :meth:`_header` takes the options of :meth:`summary` / :meth:`to_html`.
    _header_takes_options: bool = False
    #: ``(estimate, low, high)`` columns drawn as interval bars; None: found by name; ``()``:
    #: none.
    _interval_columns: tuple | None = None

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
        rows = self._header_rows(*args, **options)
        lines = [title, "=" * len(title)]
        if rows:
            width = max(16, max(len(k) for k, _ in rows) + 2)
            lines += [f"{k:<{width}}{v}" for k, v in rows]
        text = "\n".join(lines) + "\n\n" + \
            self._summary_frame(*args, **options).to_string(**self._frame_format)
        for name, frame, fmt in self._section_list(*args, **options):
            text += f"\n\n{name}\n{frame.to_string(**fmt)}"
        return text

    def _header_rows(self, *args, **options):
        rows = self._header(*args, **options) if self._header_takes_options else \
            self._header()
        return [(str(k), str(v)) for k, v in rows]

    def to_html(self, *args, **options):
        """The HTML view: the title, the header rows as a block of key numbers, the table
        with an inline bar per row for its interval, then the further tables.

        Self-contained (CSS scoped by the class ``btstats-result``, no script, no external
        asset); every label is escaped.  ``_repr_html_()`` (what a notebook shows) is
        ``to_html()`` with the default options.

        Parameters
        ----------
        *args, **options
            As for :meth:`summary` (passed to the table, for instance
            ``confidence_level``).

        Returns
        -------
        str
        """
        frame = self._summary_frame(*args, **options)
        fmt = self._frame_format
        parts = [f'<div class="{HTML_CLASS}">{_CSS}',
                 f'<div class="bt-title"><b>{_esc(self._summary_title)}</b></div>',
                 _html_header(self._header_rows(*args, **options)),
                 _html_table(frame, _bar_columns(frame, self._interval_columns),
                             fmt.get("index", True), fmt.get("max_rows"))]
        for name, more, more_fmt in self._section_list(*args, **options):
            table = _html_table(more, None, more_fmt.get("index", True),
                                more_fmt.get("max_rows"))
            parts.append(f'<div class="bt-section"><div class="bt-section-title"><b>'
                         f'{_esc(name)}</b></div>{table}</div>')
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self):
        return self.to_html()

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

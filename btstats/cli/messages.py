"""The one-line messages of the command line, in its vocabulary.

The library's errors and warnings name Python keywords (``ties='drop'``, ```penalty```,
``order_effect=True``); :func:`flag_syntax` rewrites them as the flags a command-line user
types (``--ties drop``, ``--penalty``, ``--order-effect``), in one place for every
subcommand.  Each subcommand's parser records its flags (:func:`flag_names`) in its defaults
as ``_flags``.
"""
import re

#: A keyword's value: quoted, a list, or one token (a trailing full stop is the sentence's).
_VALUE = r"""'[^']*'|"[^"]*"|\[[^\]]*\]|-?[\w<>](?:[\w.<>+-]*[\w<>])?"""
#: ``name=value`` (or ``name=`` alone, "pass penalty= ..."), not part of a longer name.
_KEYWORD = re.compile(rf"(?<![\w.-])([a-z_][a-z0-9_]*)=({_VALUE})?")
#: ```name``` (a parameter named in backticks; not in a list of column names, ```order` /
#: `home```).
_BACKTICKED = re.compile(r"`([a-z_][a-z0-9_]*)`(?! /)")
#: ``name > 0`` and the like ("with penalty > 0").
_COMPARED = re.compile(r"(?<![\w.`-])([a-z_][a-z0-9_]*)(?= ?(?:>=|<=|>|<) ?-?\d)")
#: A bare name with an underscore ("raise max_iter"), unambiguous as the parameter's name.
_BARE = re.compile(r"(?<![\w.`'\"/-])([a-z][a-z0-9]*_[a-z0-9_]+)(?![\w`'\"(=-])")
#: A Python call written out in a message, ``Model(link='probit')``: left as it is.
_CALL = re.compile(r"\b[A-Za-z_][\w.]*\([^()]*\)")
#: A flag left in backticks by the rewrite: the backticks go.
_QUOTED_FLAG = re.compile(r"`(--[a-z][\w-]*(?: [^`\s]+)?)`")


def flag_names(parser, aliases=None):
    """``{python_name: (flag, nargs, column)}`` for the options of an argparse ``parser``:
    each option's ``dest`` names it (``max_iter`` -> ``--max-iter``), ``aliases`` add the
    library's names of options whose flag differs (``{"covariance_type": "--covariance"}``);
    ``column`` is true for the options that name a column (``--item-a COLUMN``), whose names
    also name columns in messages."""
    flags = {}
    for action in parser._actions:
        if action.option_strings and action.dest not in ("help", "version"):
            flags[action.dest] = (action.option_strings[-1], action.nargs,
                                  action.metavar in ("COLUMN", "COL"))
    for name, flag in (aliases or {}).items():
        nargs = next((f[1] for f in flags.values() if f[0] == flag), None)
        flags[name] = (flag, nargs, False)
    return flags


def _unquote(value, nargs):
    if value[:1] in "'\"" and value[-1:] == value[:1]:
        return value[1:-1]
    if value.startswith("[") and value.endswith("]"):
        items = [v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip()]
        return (" " if nargs in ("+", "*") else ",").join(items)
    return value


def flag_syntax(text, flags):
    """``text`` with the library's keyword syntax written as command-line flags.

    ``name='value'`` / ``name=value`` becomes ``--name value``, ``name=True`` and ``name=``
    become ``--name``, ```name``` becomes ``--name`` and ``name > 0`` ``--name > 0``, for
    the names in ``flags`` (from :func:`flag_names`), and so does a bare name with an
    underscore (``max_iter``) unless it is a column role (``item_a``); other names,
    ``name=None`` / ``name=False`` and Python calls written out (``Model(link='probit')``)
    are left as they are.

    >>> flags = {"ties": ("--ties", None, False), "penalty": ("--penalty", None, False),
    ...          "order_effect": ("--order-effect", 0, False)}
    >>> flag_syntax("Choose ties='drop' or ties=\\"half\\"; add penalty=0.01.", flags)
    'Choose --ties drop or --ties half; add --penalty 0.01.'
    >>> flag_syntax("`penalty` must be >= 0; order_effect=True needs an order column.", flags)
    '--penalty must be >= 0; --order-effect needs an order column.'
    """
    if not flags:
        return text

    def keyword(m):
        name, value = m.group(1), m.group(2)
        if name not in flags or value in ("None", "False"):
            return m.group(0)
        flag, nargs, _ = flags[name]
        if value is None or value == "True":
            return flag
        return f"{flag} {_unquote(value, nargs)}"

    def backticked(m):
        return flags[m.group(1)][0] if m.group(1) in flags else m.group(0)

    def compared(m):
        return flags[m.group(1)][0] if m.group(1) in flags else m.group(0)

    def bare(m):
        flag = flags.get(m.group(1))
        return flag[0] if flag is not None and not flag[2] else m.group(0)

    def rewrite(part):
        part = _KEYWORD.sub(keyword, part)
        part = _BACKTICKED.sub(backticked, part)
        part = _COMPARED.sub(compared, part)
        part = _BARE.sub(bare, part)
        return _QUOTED_FLAG.sub(r"\1", part)

    out, last = [], 0
    for call in _CALL.finditer(text):
        out += [rewrite(text[last:call.start()]), call.group(0)]
        last = call.end()
    out.append(rewrite(text[last:]))
    return "".join(out)


def one_line(text):
    """The first line of a message, for one-line output."""
    text = str(text).strip()
    return text.splitlines()[0] if text else ""


def error_line(exc, source=None, flags=None):
    """The one line ``btstats: error: ...`` that reports ``exc`` (keywords written as the
    ``flags`` of :func:`flag_syntax`).

    Named errors (bad data, bad options, missing files or packages) print their message;
    a RecursionError (input nested too deeply, e.g. a JSON file of thousands of ``[``) and a
    MemoryError say so and what to do; anything else, a bug, prints its type too."""
    msg = flag_syntax(one_line(exc), flags)
    where = f"{source}: " if source else ""
    if isinstance(exc, RecursionError):
        return (f"btstats: error: {where}the input is nested too deeply to read (Python's "
                f"recursion limit). btstats reads flat tables: a JSON array of records, JSON "
                f"lines, CSV or Parquet.")
    if isinstance(exc, MemoryError):
        return (f"btstats: error: out of memory ({msg or 'MemoryError'}); use smaller "
                f"inputs or options.")
    if isinstance(exc, (ValueError, KeyError, TypeError, OSError, ImportError, LookupError)):
        return f"btstats: error: {msg or type(exc).__name__}"
    return f"btstats: error: {type(exc).__name__}: {msg}"

"""Long indicator values ``unit_id, year, indicator_id, value`` to the (observation x indicator)
matrix the index is built on, with the checks on keys (duplicates refused, framework indicators
present).

The keys are factorised once and the values scattered into arrays: on 15 M rows (30,000 units x 50
indicators x 10 years) this takes a fraction of the time and memory of pandas ``duplicated`` +
``pivot`` + ``sort_index``, with the same result (rows sorted by unit id as text, then year).
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import pandas as pd

from silkscope.errors import InputError
from silkscope.index.framework import Framework

VALUE_COLUMNS = ("unit_id", "year", "indicator_id", "value")


def pivot_values(
    values: pd.DataFrame, framework: Framework
) -> tuple[pd.MultiIndex, np.ndarray, pd.DataFrame]:
    """Long values -> (index of (unit_id, year), matrix in framework indicator order, other indicators).

    The keys are factorised once (``unit_id`` to text and ``year`` to integer are converted on the
    distinct values only) and the values scattered into arrays: rows come out sorted by (unit_id,
    year) and the other indicators' columns by id, as pandas ``pivot`` + ``sort_index`` gives them,
    in a fraction of the time and memory on millions of rows. Each key column is mapped to its
    final code in one gather over the rows (the small mappings are composed first), in 32-bit
    integers while the cells fit, and a complete panel skips the observation gather.
    """
    missing_cols = [c for c in VALUE_COLUMNS if c not in values.columns]
    if missing_cols:
        raise InputError(f"values need columns {', '.join(VALUE_COLUMNS)}; missing {', '.join(missing_cols)}")
    if values.empty:
        raise InputError("no indicator values to build the index from")
    unit_rows, unit_map, unit_keys = _sorted_parts(values["unit_id"], str)
    year_rows, year_map, year_keys = _sorted_parts(values["year"], int)
    ind_rows, ind_map, ind_raw = _factorize_parts(values["indicator_id"])
    ind_keys, ind_order = pd.Index(ind_raw).sort_values(return_indexer=True)
    n_units, n_years, n_ind = len(unit_keys), len(year_keys), len(ind_keys)
    position = {key: k for k, key in enumerate(ind_keys)}
    # output column of each sorted indicator: the framework's in its order, then the others by id
    framework_cols = [position[i] for i in framework.indicators if i in position]
    taken = set(framework_cols)
    layout = framework_cols + [k for k in range(n_ind) if k not in taken]
    column_of = np.empty(n_ind, dtype=np.int64)
    column_of[layout] = np.arange(n_ind)
    dtype = np.int32 if n_units * n_years * n_ind < np.iinfo(np.int32).max else np.int64
    # distinct raw indicator -> its sorted position -> its output column
    ind_code = _gather(column_of[np.argsort(ind_order)], ind_map, ind_rows, dtype)
    obs_key = _gather(np.arange(n_units, dtype=np.int64) * n_years, unit_map, unit_rows, dtype)
    del unit_rows
    obs_key += year_rows if year_map is None else year_map.astype(dtype)[year_rows]
    del year_rows  # 15 M rows each: keep the peak low
    if n_units * n_years <= max(4 * len(obs_key), 1 << 20):  # dense: counting instead of sorting
        present = np.bincount(obs_key, minlength=n_units * n_years) > 0
        if present.all():  # a complete panel: the key is the observation
            obs_keys, obs = np.arange(n_units * n_years), obs_key
        else:
            obs_keys = np.flatnonzero(present)
            obs = (np.cumsum(present, dtype=np.int64) - 1).astype(dtype)[obs_key]
            del obs_key
        del present
    else:
        obs_keys, obs = np.unique(obs_key, return_inverse=True)
        obs = obs.astype(dtype, copy=False)
        del obs_key
    cell = obs * dtype(n_ind)
    cell += ind_code
    counts = np.bincount(cell, minlength=len(obs_keys) * n_ind)
    if counts.max() > 1:
        dup = counts[cell] > 1
        first = int(np.flatnonzero(dup)[0])
        unit, year = divmod(int(obs_keys[obs[first]]), n_years)
        name = ind_keys[layout[int(ind_code[first])]]
        _refuse_duplicates(dup, cell, first, f"{unit_keys[unit]} {year_keys[year]} {name}")
    del counts
    absent = [i for i in framework.indicators if i not in position]
    if absent:
        raise InputError(
            f"the data has no values for {len(absent)} framework indicator(s): {', '.join(absent[:15])}",
            hint="check the indicator ids in the data against the framework",
        )
    value = pd.to_numeric(values["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    index = pd.MultiIndex(
        levels=[pd.Index(unit_keys, dtype=object), pd.Index(year_keys)],
        codes=[obs_keys // n_years, obs_keys % n_years],
        names=["unit_id", "year"],
    )
    n_fw = len(framework_cols)
    if n_fw == n_ind:  # no other indicator: the cell is the position in the matrix
        x = np.full((len(obs_keys), n_ind), np.nan)
        x.reshape(-1)[cell] = value
        extra_values = np.full((len(obs_keys), 0), np.nan)
    else:
        del cell
        x = _scatter(obs, ind_code, value, len(obs_keys), 0, n_fw)
        extra_values = _scatter(obs, ind_code, value, len(obs_keys), n_fw, n_ind)
    extra = pd.DataFrame(
        extra_values,
        index=index,
        columns=pd.Index(ind_keys[layout[n_fw:]], name="indicator_id"),
    )
    return index, x, extra


def _gather(target: np.ndarray, mapping: np.ndarray | None, rows: np.ndarray, dtype: type) -> np.ndarray:
    """``target[mapping[rows]]`` (``target[rows]`` without a mapping) as ``dtype``, in one pass over
    the rows: the two small arrays are composed first."""
    small = target if mapping is None else target[mapping]
    return small.astype(dtype, copy=False)[rows]


def _sorted_parts(column: pd.Series, convert: type) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """:func:`_factorize_parts` of ``column`` with the distinct values converted by ``convert`` and
    sorted: ``(row codes, mapping or None, keys)``, each row's position among the keys being
    ``mapping[row code]`` (the row code itself without a mapping). Integer columns converted to
    integers over a short range (years) are counted, not hashed."""
    small = _short_range_codes(column) if convert is int else None  # text keys sort as text
    if small is not None:
        return small
    codes, mapping, raw = _factorize_parts(column)
    try:
        converted = pd.Series(raw).astype(convert).to_numpy()
    except (TypeError, ValueError) as exc:
        bad = next(k for k in range(len(raw)) if not _converts(raw[k], convert))
        full = codes if mapping is None else mapping[codes]
        row = int(np.flatnonzero(full == bad)[0])
        raise InputError(
            f"{column.name} must be whole numbers; row {row + 1} of the values has {raw[bad]!r}",
            hint=f"fix or drop the rows whose {column.name} is missing or not a whole number",
        ) from exc
    keys, inverse = np.unique(converted, return_inverse=True)
    inverse = inverse.astype(np.int64)
    return codes, inverse if mapping is None else inverse[mapping], keys


def _short_range_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray | None, np.ndarray] | None:
    """For an integer column spanning fewer distinct values than it has rows (years), its
    ``(offsets from the minimum, mapping or None, sorted keys)`` from a count, without hashing;
    None for anything else."""
    values = column.to_numpy()
    if values.dtype.kind not in "iu" or len(values) < _FAST_ROWS:
        return None
    low, high = int(values.min()), int(values.max())
    if high - low >= len(values):
        return None
    offsets = values - values.dtype.type(low)
    present = np.bincount(offsets, minlength=high - low + 1) > 0
    keys = np.flatnonzero(present) + low
    if present.all():
        return offsets, None, keys
    return offsets, np.cumsum(present, dtype=np.int64) - 1, keys


def _sorted_codes(column: pd.Series, convert: type) -> tuple[np.ndarray, np.ndarray]:
    """Each row's position among the sorted distinct values of ``column`` after ``convert`` (applied
    to the distinct raw values, so two raw values that convert alike share one key), and those keys."""
    rows, mapping, keys = _sorted_parts(column, convert)
    return _gather(np.arange(len(keys)), mapping, rows, np.int64), keys


def _factorize(column: pd.Series) -> tuple[np.ndarray, Any]:
    """Codes and distinct values of ``column`` (a missing key is an InputError naming its row)."""
    rows, mapping, raw = _factorize_parts(column)
    return (rows if mapping is None else mapping[rows]), raw


def _factorize_parts(column: pd.Series) -> tuple[np.ndarray, np.ndarray | None, Any]:
    """``(row codes, mapping or None, distinct values)`` of ``column``: row k holds
    ``distinct[mapping[codes[k]]]`` (``distinct[codes[k]]`` without a mapping); a missing key is an
    InputError naming its row.

    Long tables repeat a few thousand ids over millions of rows. For such a text column the rows
    are first grouped by the object they point to (an integer factorisation of the pointers) and
    only one row per object is compared by value, which merges equal text held in distinct objects:
    pandas' groups at a third of the time on 15 M rows. Anything else goes to ``pandas.factorize``.
    """
    values = column.to_numpy()
    if len(values) >= _FAST_ROWS and values.dtype == object and values.flags.c_contiguous:
        pointers = np.ctypeslib.as_array((ctypes.c_ssize_t * len(values)).from_address(values.ctypes.data))
        codes, addresses = pd.factorize(pointers)
        del pointers
        if len(addresses) <= len(values) // 4:
            # the distinct objects themselves (alive: ``values`` holds them), compared by value
            objects = pd.Series(
                [ctypes.cast(a, ctypes.py_object).value for a in addresses.tolist()], dtype=object
            )
            merged, raw = pd.factorize(objects)
            if merged.min() < 0:
                _refuse_missing(merged[codes], column.name)
            return codes, merged, raw
    codes, raw = pd.factorize(column)
    return _refuse_missing(codes, column.name), None, raw


_FAST_ROWS = 1 << 16


def _refuse_missing(codes: np.ndarray, name: Any) -> np.ndarray:
    """``codes`` when no key is missing (code -1); otherwise an InputError naming the rows."""
    if len(codes) and codes.min() < 0:
        rows = np.flatnonzero(codes < 0)
        raise InputError(
            f"{name} is missing on {len(rows):,} row(s) of the values, e.g. row {rows[0] + 1}",
            hint="give every row a unit_id, year and indicator_id, or drop the rows without one",
        )
    return codes


def _converts(value: Any, convert: type) -> bool:
    try:
        pd.Series([value]).astype(convert)
    except (TypeError, ValueError):
        return False
    return True


def _scatter(
    obs: np.ndarray, column: np.ndarray, value: np.ndarray, n_obs: int, first: int, stop: int
) -> np.ndarray:
    """The ``(observations, stop - first)`` matrix of the values whose output column is in
    ``[first, stop)``."""
    out = np.full((n_obs, stop - first), np.nan)
    if stop > first:
        keep = (column >= first) & (column < stop)
        out.reshape(-1)[obs[keep] * (stop - first) + (column[keep] - first)] = value[keep]
    return out


def _refuse_duplicates(dup: np.ndarray, cell: np.ndarray, first: int, key: str) -> None:
    """An InputError saying how many rows share a (unit, year, indicator) key, naming the first
    such key and its rows (data rows counted from 1)."""
    rows = np.flatnonzero(cell == cell[first]) + 1
    listed = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
    raise InputError(
        f"{int(dup.sum())} duplicate (unit, year, indicator) rows, e.g. {key} (rows {listed} of the values)",
        hint="keep one value per unit, year and indicator",
    )

"""The array path of the index build (issue 19 part 3) against the straightforward pandas one.

The reference below is the pipeline's former start (pandas ``duplicated``, ``pivot`` and
``sort_index`` on the long table) and scipy's ``rankdata`` per year; the build must give the same
arrays, bit for bit, on random data with ties, missing values, unsorted and shuffled rows, numeric
unit ids that sort as text, missing cells and an indicator outside the framework.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from silkscope.errors import InputError
from silkscope.index import Choices, Framework, build
from silkscope.index.build import min_ranks, pivot_values, rank_within

build_module = importlib.import_module(
    "silkscope.index.build"
)  # the module; the package exports the function


def framework() -> Framework:
    rng = np.random.default_rng(11)
    pillars = []
    for p in range(2):
        dims = []
        for d in range(2):
            leaves = [
                {
                    "id": f"x{p}{d}{k}",
                    "weight": float(rng.uniform(0.5, 2)),
                    "direction": int(rng.choice([1, -1])),
                }
                for k in range(3)
            ]
            dims.append({"id": f"d{p}{d}", "weight": 1, "children": leaves})
        pillars.append({"id": f"p{p}", "weight": float(p + 1), "children": dims})
    return Framework.from_dict({"id": "idx", "children": pillars})


def messy_values(seed: int, fw: Framework) -> pd.DataFrame:
    """Long values: integer unit ids (1, 2, ..., 10 sort as text), years given out of order, rows
    shuffled, values on a coarse grid (ties), some missing values and missing cells, one unit-year
    with no value at all, and a population column outside the framework."""
    rng = np.random.default_rng(seed)
    units = list(range(1, 23))
    years = [2019, 2015, 2017, 2016]
    indicators = [*fw.indicators, "population"]
    index = pd.MultiIndex.from_product([units, years, indicators], names=["unit_id", "year", "indicator_id"])
    frame = index.to_frame(index=False)
    frame["value"] = rng.integers(0, 6, len(frame)).astype(float)  # few distinct values: many ties
    frame.loc[rng.uniform(size=len(frame)) < 0.08, "value"] = np.nan
    frame.loc[(frame.unit_id == 7) & (frame.year == 2016), "value"] = np.nan
    frame = frame[rng.uniform(size=len(frame)) > 0.05]  # missing cells: no row at all
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def reference_pivot(values: pd.DataFrame, fw: Framework):
    """The former pandas path: copy, convert, ``duplicated``, ``pivot``, ``sort_index``."""
    frame = values.loc[:, ["unit_id", "year", "indicator_id", "value"]].copy()
    frame["unit_id"] = frame["unit_id"].astype(str)
    frame["year"] = frame["year"].astype(int)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    dup = frame.duplicated(["unit_id", "year", "indicator_id"], keep=False)
    if dup.any():
        raise InputError(f"{int(dup.sum())} duplicate (unit, year, indicator) rows")
    wide = frame.pivot(index=["unit_id", "year"], columns="indicator_id", values="value").sort_index()
    x = wide.loc[:, list(fw.indicators)].to_numpy(dtype=float)
    return wide.index, x, wide.drop(columns=list(fw.indicators))


def reference_ranks(scores: np.ndarray, years: np.ndarray) -> np.ndarray:
    ranks = np.full(scores.shape, np.nan)
    for year in np.unique(years):
        rows = years == year
        ranks[..., rows, :] = rankdata(-scores[..., rows, :], axis=-2, method="min", nan_policy="omit")
    return ranks


CHOICES = [
    Choices(),
    Choices(impute="mean", scope="by-year", normalise="zscore"),
    Choices(normalise="rank", aggregate="geometric", weights="entropy"),
    Choices(impute="previous-year", treat="winsorise", min_coverage=0.5),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("choices", CHOICES, ids=range(len(CHOICES)))
def test_build_equals_the_pandas_path(monkeypatch, seed: int, choices: Choices):
    fw = framework()
    values = messy_values(seed, fw)
    fast = build(values, fw, choices)
    monkeypatch.setattr(build_module, "pivot_values", reference_pivot)
    monkeypatch.setattr(build_module, "rank_within", reference_ranks)
    slow = build(values, fw, choices)
    for name in ("scores", "ranks", "coverage", "prepared", "normalised"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    assert fast.units.tolist() == slow.units.tolist() and fast.units.dtype == slow.units.dtype
    assert fast.years.tolist() == slow.years.tolist() and fast.years.dtype == slow.years.dtype
    pd.testing.assert_frame_equal(fast.extra, slow.extra)
    assert fast.warnings == slow.warnings
    assert np.isnan(fast.ranks).any() and (fast.ranks == 1).sum() > len(np.unique(fast.years)) * 5  # ties


def test_pivot_sorts_units_as_text_and_keeps_other_indicators():
    fw = framework()
    values = messy_values(3, fw)
    index, x, extra = pivot_values(values, fw)
    ref_index, ref_x, ref_extra = reference_pivot(values, fw)
    assert index.equals(ref_index) and index.names == ["unit_id", "year"]
    assert list(index.get_level_values("unit_id")[:3]) == ["1", "1", "1"]
    assert index.get_level_values("unit_id").unique().tolist()[:3] == ["1", "10", "11"]
    np.testing.assert_array_equal(x, ref_x)
    assert list(extra.columns) == ["population"] and extra.columns.name == "indicator_id"
    pd.testing.assert_frame_equal(extra, ref_extra)


def test_ranks_equal_pandas_groupby_rank():
    """An independent check: pandas ranks the long output table within each year and node."""
    fw = framework()
    frame = build(messy_values(4, fw), fw, Choices()).to_frame()
    expected = frame.groupby(["year", "node"])["score"].rank(method="min", ascending=False)
    assert frame["rank"].astype("Float64").equals(expected.astype("Float64"))


def test_unit_ids_that_read_alike_are_one_unit_and_their_rows_duplicates():
    fw = framework()
    values = messy_values(5, fw)
    values = values[values.value.notna()]
    clash = values.iloc[[0]].assign(unit_id=lambda d: d.unit_id.astype(str))  # 3 and "3" are one unit
    with pytest.raises(InputError, match=r"2 duplicate \(unit, year, indicator\) rows") as err:
        build(pd.concat([values, clash], ignore_index=True), fw)
    first = values.iloc[0]
    assert f"{first.unit_id} {first.year} {first.indicator_id}" in str(err.value)
    assert f"(rows 1, {len(values) + 1} of the values)" in str(err.value)


def test_duplicates_are_counted_as_pandas_counts_them():
    fw = framework()
    values = messy_values(6, fw)
    doubled = pd.concat([values, values.sample(7, random_state=1)], ignore_index=True).sample(
        frac=1.0, random_state=2
    )
    count = int(doubled.duplicated(["unit_id", "year", "indicator_id"], keep=False).sum())
    with pytest.raises(InputError, match=rf"- {count} duplicate"):
        build(doubled, fw)


def test_a_year_that_is_not_a_whole_number_names_its_row():
    fw = framework()
    values = messy_values(7, fw)
    values["year"] = values["year"].astype(object)
    values.loc[4, "year"] = "20x6"
    with pytest.raises(InputError, match=r"year must be whole numbers; row 5 of the values has '20x6'"):
        build(values, fw)


def test_min_ranks_equal_scipy_with_ties_nan_and_infinities():
    rng = np.random.default_rng(8)
    for shape in [(1,), (9,), (4, 30), (3, 2, 25)]:
        v = rng.integers(0, 4, shape).astype(float)
        v[rng.uniform(size=shape) < 0.2] = np.nan
        v[rng.uniform(size=shape) < 0.1] = np.inf
        v[rng.uniform(size=shape) < 0.1] = -0.0
        expected = rankdata(v, axis=-1, method="min", nan_policy="omit")
        np.testing.assert_array_equal(min_ranks(v), expected)
    # NaN is sorted as +inf: a lane holding both, -inf, and lanes with no tie at all (no tie pass)
    v = np.array([[np.nan, np.inf, 1.0, np.inf, -np.inf, np.nan], [3.5, -1.0, 2.0, 0.5, 9.0, -7.0]])
    expected = rankdata(v, axis=-1, method="min", nan_policy="omit")
    np.testing.assert_array_equal(min_ranks(v), expected)
    np.testing.assert_array_equal(min_ranks(v)[0], [np.nan, 3, 2, 3, 1, np.nan])
    distinct = rng.permutation(200).reshape(4, 50).astype(float)
    np.testing.assert_array_equal(min_ranks(distinct), rankdata(distinct, axis=-1))
    assert min_ranks(np.empty((3, 0))).shape == (3, 0)


def test_rank_within_with_replicate_axes_equals_scipy_per_year():
    rng = np.random.default_rng(9)
    years = rng.permutation(np.repeat([2012, 2010, 2011], 15))
    scores = rng.integers(0, 5, (6, 45, 3)).astype(float)
    scores[rng.uniform(size=scores.shape) < 0.1] = np.nan
    np.testing.assert_array_equal(rank_within(scores, years), reference_ranks(scores, years))


def test_rank_within_in_blocks_of_a_few_nodes_equals_scipy(monkeypatch):
    """Blocks smaller than one year's lanes (as at 30,000 units): the same ranks, with replicate
    axes, ties, NaN and rows of a year scattered through the matrix."""
    rng = np.random.default_rng(10)
    years = rng.permutation(np.repeat([2011, 2010, 2013], 20))
    scores = rng.integers(0, 6, (2, 60, 7)).astype(float)
    scores[rng.uniform(size=scores.shape) < 0.1] = np.nan
    expected = reference_ranks(scores, years)
    for block in (1, 45, 100, 250):  # one node per block, a partial last block, several nodes
        monkeypatch.setattr(build_module, "RANK_BLOCK", block)
        np.testing.assert_array_equal(rank_within(scores, years), expected)


def test_long_tables_take_the_grouped_paths_and_still_equal_pandas():
    """Over 65,536 rows the text keys are grouped by object first: equal text
    held in distinct objects, a missing unit id and integer ids must still group as pandas does."""
    from silkscope.index import pivot

    fw = framework()
    rng = np.random.default_rng(12)
    n_units, years = 1200, [2001, 2003, 2002, 2000, 2004]
    index = pd.MultiIndex.from_product(
        [range(n_units), years, fw.indicators], names=["unit_id", "year", "indicator_id"]
    )
    frame = index.to_frame(index=False).sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert len(frame) > pivot._FAST_ROWS
    # fresh string objects: "U7" built anew on every row, so rows share text but not objects
    frame["unit_id"] = ["".join(["U", str(u)]) for u in frame["unit_id"]]
    frame.loc[frame.index[:60], "unit_id"] = frame.loc[frame.index[:60], "unit_id"].map(lambda t: t[1:])
    frame["value"] = rng.integers(0, 50, len(frame)).astype(float)
    codes, raw = pivot._factorize(frame["unit_id"])
    ref_codes, ref_raw = pd.factorize(frame["unit_id"])
    assert len(raw) == len(ref_raw)
    assert (np.asarray(raw, dtype=object)[codes] == ref_raw[ref_codes]).all()
    year_codes, year_raw = pivot._factorize(frame["year"])
    assert (np.asarray(year_raw)[year_codes] == frame["year"].to_numpy()).all()

    index, x, extra = pivot_values(frame, fw)
    ref_index, ref_x, ref_extra = reference_pivot(frame, fw)
    assert index.equals(ref_index)
    np.testing.assert_array_equal(x, ref_x)

    with_missing = frame.copy()
    with_missing.loc[[9, 5], "unit_id"] = [None, np.nan]
    with pytest.raises(InputError, match=r"unit_id is missing on 2 row\(s\) of the values, e.g. row 6"):
        pivot_values(with_missing, fw)
    with pytest.raises(InputError, match=r"unit_id is missing on 2 row\(s\)"):
        pivot_values(with_missing.iloc[: pivot._FAST_ROWS - 10], fw)  # the pandas path says the same
    small = messy_values(13, fw)
    small.loc[3, "indicator_id"] = None
    with pytest.raises(InputError, match=r"indicator_id is missing on 1 row\(s\) of the values, e.g. row 4"):
        build(small, fw)


@pytest.mark.parametrize("years", [[2001, 2003, 2002, 2000, 2004], [1990, 2000, 1995, 2010]])
def test_long_integer_keys_sort_as_pandas_does(years: list[int]):
    """Over 65,536 rows with integer keys: unit ids are still sorted as text (2 after 10), years
    are counted over their range (contiguous, or with gaps: the counted path with a mapping),
    missing cells and an extra indicator are kept, and the result equals the pandas path; a
    duplicate row is refused naming its key, as on short tables."""
    from silkscope.index import pivot

    fw = framework()
    rng = np.random.default_rng(14)
    index = pd.MultiIndex.from_product(
        [range(1, 1400), years, [*fw.indicators, "population"]], names=["unit_id", "year", "indicator_id"]
    )
    frame = index.to_frame(index=False).sample(frac=0.97, random_state=5).reset_index(drop=True)
    assert len(frame) > pivot._FAST_ROWS and frame["year"].dtype.kind == "i"
    frame["value"] = rng.integers(0, 50, len(frame)).astype(float)
    counted = pivot._short_range_codes(frame["year"])
    assert counted is not None and (counted[1] is None) == (len(years) == max(years) - min(years) + 1)
    assert pivot._short_range_codes(frame["unit_id"]) is not None  # but unit ids never take it
    got_index, x, extra = pivot_values(frame, fw)
    ref_index, ref_x, ref_extra = reference_pivot(frame, fw)
    assert got_index.equals(ref_index)
    assert list(got_index.get_level_values("unit_id")[:60:13]) == list(ref_index.get_level_values(0)[:60:13])
    np.testing.assert_array_equal(x, ref_x)
    pd.testing.assert_frame_equal(extra, ref_extra, check_names=False)
    doubled = pd.concat([frame, frame.iloc[[100]]], ignore_index=True)
    row = frame.iloc[100]
    with pytest.raises(InputError, match=f"2 duplicate .* e.g. {row.unit_id} {row.year} {row.indicator_id} "):
        pivot_values(doubled, fw)

"""Economic complexity: R economiccomplexity's published vignette values, hand cases, Atlas conventions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError, MethodError
from silkscope.trade.complexity import balassa_rca, complexity, proximity

FIRST = ["AFG", "AGO", "AIA", "ALB", "AND"]
PRODUCTS = ["0011", "0012", "0013", "0014", "0015"]


@pytest.fixture(scope="module")
def world(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(
        shared_data / "trade_validation" / "world_trade_avg_1998_to_2000.csv", dtype={"product": str}
    )


def test_reproduces_r_economiccomplexity_vignette(world):
    """Values printed in the package's vignette (economiccomplexity.html, 2021-02-13) on its
    bundled world_trade_avg_1998_to_2000 data."""
    eig = complexity(world, method="eigenvalues", standardise="r")
    eci = eig.country().set_index("country").eci
    pci = eig.product().set_index("product").pci
    np.testing.assert_allclose(
        eci[FIRST], [-0.5764283, -1.7770752, 1.4090414, -0.1732606, 1.0772452], atol=5e-8
    )
    np.testing.assert_allclose(
        pci[PRODUCTS], [-0.66657613, -1.62657599, -0.08149436, 0.19917280, 0.14935653], atol=5e-9
    )
    ref = complexity(world, method="reflections", standardise="r")
    np.testing.assert_allclose(
        ref.country().set_index("country").eci[FIRST],
        [-0.5788151, -1.7710696, 1.4074821, -0.1754989, 1.0738736],
        atol=5e-8,
    )
    np.testing.assert_allclose(
        ref.product().set_index("product").pci[PRODUCTS],
        [-0.66255107, -1.62169899, -0.07449487, 0.20554720, 0.15848845],
        atol=5e-8,
    )
    year = eig.years[0]
    assert year.countries[:5] == FIRST and year.products[:5] == PRODUCTS
    # balassa_index(discrete = F)[1:5, 1:5] and proximity()[1:5, 1:5] as printed
    np.testing.assert_allclose(year.rca[0, :2], [0.2312238, 0.285438688], rtol=1e-6)
    np.testing.assert_allclose(
        year.rca[4, [0, 1, 3, 4]], [2.4825815, 0.550954168, 0.48208017, 3.815013019], rtol=1e-6
    )
    np.testing.assert_allclose(
        year.proximity[0, :5], [1.0, 0.3658537, 0.1707317, 0.2439024, 0.2682927], atol=5e-8
    )
    np.testing.assert_allclose(
        proximity(year.mcp, "country")[3, :5],
        [0.19689119, 0.015544041, 0.165803109, 1.0, 0.310880829],
        atol=5e-9,
    )


def test_atlas_convention_and_outlook_by_hand(world):
    atlas = complexity(world)
    y = atlas.years[0]
    assert np.corrcoef(y.diversity, y.eci)[0, 1] > 0
    assert y.eci.mean() == pytest.approx(0, abs=1e-12) and y.eci.std() == pytest.approx(1)
    # PCI is the average ECI of its exporters (up to the eigenvalue), on ECI's scale
    m = y.mcp
    back = (m.T @ y.eci) / y.ubiquity
    assert np.corrcoef(back, y.pci)[0, 1] == pytest.approx(1.0)
    # density by its definition for one country-product
    c, p = 10, 20
    phi = y.proximity
    assert y.density[c, p] == pytest.approx((m[c] * phi[p]).sum() / phi[p].sum())
    r_convention = complexity(world, standardise="r").years[0]
    assert np.corrcoef(r_convention.eci, y.eci)[0, 1] == pytest.approx(1.0)


def test_toy_world_by_hand():
    """Three countries, three products: A exports everything, C only the ubiquitous product."""
    x = np.array([[10.0, 10.0, 10.0], [0.0, 10.0, 10.0], [0.0, 0.0, 10.0]])
    rca = balassa_rca(x)
    # A: (10/30) / (10/60) = 2 for product 1; C: (10/10) / (30/60) = 2 for product 3
    assert rca[0, 0] == pytest.approx(2.0) and rca[2, 2] == pytest.approx(2.0)
    assert rca[1, 1] == pytest.approx((10 / 20) / (20 / 60))
    frame = pd.DataFrame(
        [(c, p, x[i, j]) for i, c in enumerate("abc") for j, p in enumerate(["p1", "p2", "p3"])],
        columns=["country", "product", "value"],
    )
    result = complexity(frame)
    country = result.country().set_index("country")
    assert list(country.index) == ["A", "B", "C"]  # upper-case ISO3 convention
    assert country.eci["A"] > country.eci["C"]


def test_cli_writes_the_three_tables(tmp_path: Path, world):
    data = tmp_path / "w.csv"
    world.assign(year=2000).to_csv(data, index=False)
    out = tmp_path / "cx"
    run = CliRunner().invoke(
        app, ["trade", "complexity", "--data", str(data), "--standardise", "r", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    country = pd.read_csv(out / "country.csv")
    assert list(country.columns) == ["year", "country", "diversity", "eci", "coi"]
    assert list(pd.read_csv(out / "product.csv").columns) == ["year", "product", "ubiquity", "pci"]
    cp = pd.read_csv(out / "country_product.csv", nrows=5)
    assert list(cp.columns) == ["year", "country", "product", "rca", "mcp", "density", "cog"]
    assert country.set_index("country").eci["AFG"] == pytest.approx(-0.5764283, abs=5e-8)


def test_bad_input():
    with pytest.raises(InputError, match="missing column"):
        complexity(pd.DataFrame({"country": ["a"], "value": [1]}))
    bad = pd.DataFrame({"country": ["a", "b"], "product": ["1", "2"], "value": [1, -5]})
    with pytest.raises(InputError, match="value must be a number >= 0; B / 2 has '-5'"):
        complexity(bad)


def test_china_ceramics_rca_2017(shared_data: Path):
    """China's RCA in HS4 6911-6913 (porcelain, ceramic tableware, ornaments) from the 2017
    export baskets, against the same ratio computed directly with pandas."""
    raw = pd.read_csv(
        shared_data / "export_baskets" / "world_trade_2017_hs4.csv.gz", dtype={"product_code": str}
    ).dropna(subset=["export_value_usd"])
    frame = raw.rename(
        columns={"reporter_iso": "country", "product_code": "product", "export_value_usd": "value"}
    )
    result = complexity(frame).country_product().set_index(["country", "product"]).rca
    positive = raw[raw.export_value_usd > 0]
    china = positive[positive.reporter_iso == "chn"].set_index("product_code").export_value_usd
    world = positive.groupby("product_code").export_value_usd.sum()
    for hs4 in ("6911", "6912", "6913"):
        direct = (china[hs4] / china.sum()) / (world[hs4] / positive.export_value_usd.sum())
        assert result["CHN", hs4] == pytest.approx(direct, rel=1e-12)
        assert direct > 1  # China is specialised in all three


def test_atlas_convention_equals_ecomplexity_package():
    """The Growth Lab's `ecomplexity` (dev extra) run side by side: ECI, PCI, density, COI, COG."""
    import contextlib
    import io
    import warnings

    ecomplexity = pytest.importorskip("ecomplexity").ecomplexity
    rng = np.random.default_rng(3)
    capability, difficulty = rng.uniform(0, 1, (40, 1)), rng.uniform(0, 1, (1, 150))
    value = rng.lognormal(0, 1.5, (40, 1)) * rng.lognormal(0, 1, (40, 150)) * (capability > 0.8 * difficulty)
    wide = pd.DataFrame(
        value, index=[f"C{i:02d}" for i in range(40)], columns=[f"{k:04d}" for k in range(150)]
    )
    data = wide.rename_axis("country").reset_index().melt(id_vars="country", var_name="product")
    data = data[data.value > 0].assign(year=2020)
    ours = complexity(data)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        theirs = ecomplexity(data, {"time": "year", "loc": "country", "prod": "product", "val": "value"})
    theirs = theirs.set_index(["country", "product"])
    cp = ours.country_product().set_index(["country", "product"])
    peer = theirs.loc[cp.index]
    np.testing.assert_allclose(cp.rca, peer.rca, rtol=1e-12)
    np.testing.assert_allclose(cp.density, peer.density, atol=1e-12)
    np.testing.assert_allclose(cp.cog, peer.cog, atol=1e-9)
    country = ours.country().set_index("country")
    first = theirs.reset_index().drop_duplicates("country").set_index("country").loc[country.index]
    np.testing.assert_allclose(country.eci, first.eci, atol=1e-9)
    np.testing.assert_allclose(country.coi, first.coi, atol=1e-9)
    product = ours.product().set_index("product")
    firstp = theirs.reset_index().drop_duplicates("product").set_index("product").loc[product.index]
    np.testing.assert_allclose(product.pci, firstp.pci, atol=1e-9)


def test_knn_density_keeps_the_proximity_weights():
    """d_cp over the k nearest products of p, by an explicit loop; differs from the unweighted sum
    that ecomplexity's knn option computes."""
    from silkscope.trade.complexity import knn_density, proximity

    rng = np.random.default_rng(3)
    mcp = (rng.uniform(size=(12, 9)) > 0.5).astype(float)
    phi = proximity(mcp)
    k = 3
    got = knn_density(mcp, phi, k)
    for p in range(9):
        others = [q for q in np.argsort(-phi[p], kind="stable") if q != p][:k]
        weights = phi[p, others]
        expected = mcp[:, others] @ weights / weights.sum()
        assert got[:, p] == pytest.approx(expected, abs=1e-12)
        unweighted = mcp[:, others].sum(axis=1)
        assert not np.allclose(got[:, p], unweighted) or np.allclose(weights, 1)
    with pytest.raises(MethodError, match="knn must be between 1 and 8"):
        knn_density(mcp, phi, 9)

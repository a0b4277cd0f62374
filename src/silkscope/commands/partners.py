"""``silkscope partners``: Partner markets: gravity, distance, export potential, tiers."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import (
    checked_output,
    console,
    reports_errors,
    show_table,
    write_output,
    year_range,
)
from silkscope.partners.gravity import DEFAULT_VCOV_HELP

app = typer.Typer(
    help="Partner markets: table, gravity, distance, export potential, tiers, segments.", no_args_is_help=True
)


def _read_data(path: Path):
    """A table with typed columns: Parquet through pandas (dtypes kept), CSV/Excel through read_table."""
    from silkscope.errors import InputError

    if path.suffix.lower() == ".parquet":
        import pandas as pd

        if not path.is_file():
            raise InputError(f"file not found: {path}")
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise InputError(f"cannot read the Parquet file: {exc}", file=path) from exc
    from silkscope.io.tables import read_table

    return read_table(path).frame


def _variance_option(text: str):
    """'sample' | 'population' | 'fixed:V1,V2,...' -> the kogut_singh variance argument."""
    from silkscope.errors import MethodError

    value = text.strip().lower()
    if value in ("sample", "population"):
        return value
    if value.startswith("fixed:"):
        parts = [p.strip() for p in value.split(":", 1)[1].split(",") if p.strip()]
        try:
            return ("fixed", [float(p) for p in parts])
        except ValueError:
            raise MethodError(
                f"--variance {text}: the fixed variances must be numbers, e.g. fixed:400,500"
            ) from None
    raise MethodError(f"--variance must be sample, population or fixed:V1,V2,...; got '{text}'")


@app.command("gravity")
@reports_errors
def gravity_command(
    data: Path = typer.Option(..., "--data", help="Table (.csv, .xlsx or .parquet), one row per flow."),
    spec: str = typer.Option(
        ...,
        "--spec",
        help='pyfixest formula, e.g. "trade ~ log(dist) + contig | exporter^year + importer^year".',
    ),
    vcov: str = typer.Option(
        None,
        "--vcov",
        help=f"iid | hetero | hc0 | cluster:VAR | cluster:VAR1+VAR2 ({DEFAULT_VCOV_HELP}).",
    ),
    where: str = typer.Option(
        None,
        "--where",
        help="Keep only the rows matching this filter: comparisons (== != < <= > >=), in (...), "
        "and, or, not over the columns, e.g. \"year in (1986, 1990) and exporter != 'CHN'\".",
    ),
    international_only: bool = typer.Option(
        False,
        "--international-only",
        help="Drop domestic flows (rows where exporter == importer; the columns are found by name "
        "or given with --exporter-column/--importer-column).",
    ),
    exporter_column: str = typer.Option(
        None,
        "--exporter-column",
        help="Exporter column for --international-only (default: exporter, origin, iso_o ...).",
    ),
    importer_column: str = typer.Option(
        None,
        "--importer-column",
        help="Importer column for --international-only (default: importer, destination, iso_d ...).",
    ),
    separation: str = typer.Option(
        "auto",
        "--separation",
        help="Separation checks: auto (fe; then ir when zero flows are left and the fit does not rule "
        "separation out) | fe | fe+ir.",
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """PPML gravity model (pyfixest fepois): term, estimate, std_error, statistic, p_value, nobs."""
    from silkscope.partners.gravity import gravity

    frame = _read_data(data)
    result = gravity(
        frame, spec, vcov, where, international_only, exporter_column, importer_column, separation
    )
    console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    write_output(result.tidy(), out, title="gravity")


@app.command("distance")
@reports_errors
def distance_command(
    hofstede: Path = typer.Option(
        ..., "--hofstede", help="Hofstede's six-dimension CSV (ctr;country;pdi;idv;mas;uai;ltowvs;ivr)."
    ),
    home: str = typer.Option(..., "--home", help="ISO3 code of the home country, e.g. CHN."),
    dimensions: str = typer.Option(
        "", "--dimensions", help="Comma-separated dimensions (default: all six: pdi,idv,mas,uai,ltowvs,ivr)."
    ),
    variance: str = typer.Option(
        "sample", "--variance", help="sample (n-1) | population (n) | fixed:V1,V2,... (one per dimension)."
    ),
    missing: str = typer.Option(
        "exclude",
        "--missing",
        help="exclude: only countries with every dimension; available: average over the dimensions present.",
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Kogut-Singh cultural distance from --home to every country of the Hofstede file."""
    from silkscope.io.hofstede import read_hofstede
    from silkscope.partners.distance import kogut_singh

    table = read_hofstede(hofstede)
    console.print(table.summary(), highlight=False, markup=False, soft_wrap=True)
    dims = [d.strip().lower() for d in dimensions.split(",") if d.strip()] or None
    scores = table.scores
    result = kogut_singh(scores, home, dims, _variance_option(variance), missing)
    console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    show_table(result.table.head(15), title=f"Kogut-Singh distance from {result.home} (closest first)")
    write_output(result.to_frame(), out, title="distance")


def _growth_option(text: str):
    """'none' | 'observed' | a rate such as 0.05 -> the export_potential growth argument."""
    from silkscope.errors import MethodError

    value = text.strip().lower()
    if value in ("", "none"):
        return None
    if value == "observed":
        return "observed"
    try:
        return float(value)
    except ValueError:
        raise MethodError(
            f"--growth must be none, observed or a yearly rate like 0.05; got '{text}'"
        ) from None


@app.command("potential")
@reports_errors
def potential_command(
    exporter: str = typer.Option(
        ..., "--exporter", help="ISO3 of the exporter(s), comma-separated, e.g. CHN."
    ),
    products: str = typer.Option(
        ..., "--products", help="HS codes or prefixes, comma-separated (6911 matches 691110, 691190)."
    ),
    data: Path = typer.Option(
        None, "--data", help="Flows in BACI layout: t, i, j, k, v (default: the workspace, else the demo)."
    ),
    workspace: Path = typer.Option(
        None, "--workspace", help="Study folder whose imported flows to use (default: the current folder)."
    ),
    hs: str = typer.Option(None, "--hs", help="HS revision of the workspace flows to use."),
    years: str = typer.Option(None, "--years", help="A year or a range, e.g. 2018-2022 (default: all)."),
    growth: str = typer.Option(
        "none", "--growth", help="Demand projection: none | observed (each market's import growth) | a rate."
    ),
    horizon: float = typer.Option(5.0, "--horizon", help="Years the demand is projected ahead."),
    cap: float = typer.Option(5.0, "--cap", help="Upper cap of the bilateral ease-of-trade ratio."),
    shrink: float = typer.Option(
        0.1, "--shrink", help="Shrinkage of the ease of trade towards 1, in [0, 1]."
    ),
    boot: int = typer.Option(200, "--boot", help="Bootstrap draws of the years for the p10/p90 bands."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
    allow_partial: bool = typer.Option(
        False,
        "--allow-partial",
        help="Compute it although the flows are not a world matrix (e.g. an extract of a few "
        "exporters); every row then carries a note.",
    ),
) -> None:
    """Export potential (simplified ITC EPI): potential, actual and untapped exports per product and market."""
    import ibis

    from silkscope.commands._suggest import checked_country_codes
    from silkscope.i18n import default_language
    from silkscope.partners.potential import export_potential, select_products

    prefixes = [p.strip() for p in products.split(",") if p.strip()]
    exporters = checked_country_codes([e.strip() for e in exporter.split(",") if e.strip()], "--exporter")
    from silkscope.trade.coverage import Coverage

    label = None
    chosen_years = year_range(years)
    if data is not None:
        from silkscope.commands.trade import _baci_frame, _read_text

        every = _baci_frame(*_read_text(data), data)
        coverage = Coverage.of_flows(every[every.year.isin(chosen_years)] if chosen_years else every)
        flows = select_products(every, prefixes)
    else:
        from silkscope.commands.trade import _coverage, _flows

        con, table, label = _flows(workspace, hs, "duckdb")
        if chosen_years:
            table = table.filter(table.year.between(chosen_years[0], chosen_years[-1]))
        coverage = _coverage(con, table, None)  # over all products: see trade.coverage
        table = table.filter(ibis.or_(*[table["product"].startswith(p) for p in prefixes]))
        summed = table.group_by(["year", "exporter", "importer", "product"]).aggregate(
            value=table.value.sum()
        )
        flows = con.to_pandas(summed)
    console.print(coverage.statement(default_language()), highlight=False, markup=False, soft_wrap=True)
    # supply shares need the world's exports of each product, demand every origin's sales
    notes = {e: coverage.require_exporter(e, "export potential", allow_partial) for e in exporters}
    result = export_potential(
        flows,
        exporters,
        prefixes,
        chosen_years,
        growth=_growth_option(growth),
        horizon=horizon,
        cap=cap,
        shrink=shrink,
        n_boot=boot,
        seed=seed,
    )
    frame = result.to_frame()
    partial = frame["exporter"].map(notes)
    frame["note"] = (f"{label}; " if label else "") + partial if partial.notna().any() else label
    if partial.notna().any():
        console.print(f"[bold yellow]--allow-partial: {partial.dropna().iloc[0]}[/]")
    console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    show_table(
        frame[["exporter", "product", "market", "potential", "actual", "untapped"]].head(15),
        title="export potential, most untapped first" + (f" ({label})" if label else ""),
    )
    write_output(frame, out, title="export potential")


@app.command("table")
@reports_errors
def table_command(
    workspace: Path = typer.Option(..., "--workspace", help="Study folder with imported country data."),
    home: str = typer.Option("CHN", "--home", help="ISO3 of the home country (left out of the rows)."),
    years: str = typer.Option(
        None, "--years", help="A year or a range, e.g. 2015-2019 (default: latest values)."
    ),
    stat: str = typer.Option(
        None, "--stat", help="mean (default with --years) | latest: the latest value in the window."
    ),
    hofstede: Path = typer.Option(
        None, "--hofstede", help="Hofstede's six-dimension CSV: adds the Kogut-Singh distance from --home."
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output .csv, .xlsx or .parquet (sources beside it / 2nd sheet).",
        callback=checked_output(),
    ),
    lang: str = typer.Option(
        None, "--lang", help="zh | en for the sources table (default: from the locale)."
    ),
) -> None:
    """One row per country: imported indicators, GeoDist and Kogut-Singh distance, BRI membership."""
    from silkscope.partners.table import partner_table, write_partner_table
    from silkscope.workspace import Workspace

    ws = Workspace.open(workspace)
    result = partner_table(ws, home, year_range(years), stat, hofstede, lang)
    console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    show_table(
        result.sources[["column", "years", "countries", "source"]],
        title="columns and their sources",
        max_rows=60,
    )
    paths = write_partner_table(result, out)
    console.print(
        f"partner table: wrote {len(result.table):,} rows x {result.table.shape[1]} columns to "
        + " and ".join(str(p) for p in paths),
        highlight=False,
        markup=False,
    )


@app.command("tiers")
@reports_errors
def tiers_command(
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
    method: str = typer.Option("jenks", "--method", help="jenks (natural breaks) | kmeans."),
    tiers: int = typer.Option(3, "--tiers", help="Number of tiers."),
    seed: int = typer.Option(0, "--seed", help="Seed of the uncertainty draws and of k-means."),
    replicates: int = typer.Option(200, "--replicates", help="Uncertainty replicates for tier_probability."),
    workspace: Path = typer.Option(
        None,
        "--workspace",
        help="Study folder whose flows to derive indicators from (default: current folder).",
    ),
    hs: str = typer.Option(None, "--hs", help="HS revision of the workspace flows to use."),
    data: Path = typer.Option(
        None, "--data", help="Own indicator table: country + one column per framework indicator."
    ),
    framework: Path = typer.Option(
        None, "--framework", help="Framework YAML for --data (default: the built-in partner-readiness one)."
    ),
    home: str = typer.Option("CHN", "--home", help="ISO3 of the home country (left out of the tiers)."),
    rules: str = typer.Option(
        None,
        "--rules",
        help="Docking rule YAML (default: the built-in partners/docking_rules.yaml); none: tiers only.",
    ),
    basis: str = typer.Option(
        "auto",
        "--from",
        help="With --workspace: study (its partner table: WDI, GeoDist, Hofstede, lists) | flows "
        "(indicators from its trade flows) | auto (study when it holds country indicators).",
    ),
    years: str = typer.Option(None, "--years", help="Study table: a year or a range, e.g. 2015-2019."),
    stat: str = typer.Option(None, "--stat", help="Study table: mean (default with --years) | latest."),
    hofstede: Path = typer.Option(
        None, "--hofstede", help="Study table: Hofstede CSV for the Kogut-Singh distance (required by it)."
    ),
    min_coverage: float = typer.Option(
        2 / 3,
        "--coverage",
        help="Least share of the framework's indicator weight a country needs, per pillar and overall.",
    ),
    recommendations: Path = typer.Option(
        None,
        "--recommendations",
        help="Also write the docking recommendations (one row per mode) here.",
        callback=checked_output(),
    ),
    allow_partial: bool = typer.Option(
        False,
        "--allow-partial",
        help="Derive tiers from flows that lack the home country's exports or are not a world "
        "matrix (e.g. an extract of a few exporters); every row then carries a note.",
    ),
) -> None:
    """Partner tiers from a readiness index: country, tier, score, tier_probability, driver, docking modes."""
    import pandas as pd

    from silkscope.errors import MethodError
    from silkscope.index.framework import Framework
    from silkscope.partners.docking import load_rules, modes_by_country, recommend
    from silkscope.partners.tiers import indicators_from_flows, partner_tiers

    home = home.strip().upper()
    label = None
    study = None
    if basis not in ("auto", "study", "flows"):
        raise MethodError(f"--from must be auto, study or flows; got '{basis}'")
    if data is None and basis != "flows":
        from silkscope.workspace import Workspace

        ws = Workspace.open(workspace or Path.cwd()) if (workspace or basis == "study") else None
        held = (
            ws.query(
                "SELECT count(*) AS n FROM indicator_values v JOIN units u USING (unit_id) "
                "WHERE u.level = 'country'"
            ).n.iloc[0]
            if ws is not None
            else 0
        )
        if basis == "study" and not held:
            raise MethodError(f"workspace {ws.root} holds no country indicators; import wdi first")
        study = ws if held else None
    from silkscope.partners.tiers import partner_framework, study_framework

    # the framework and the docking rules are checked before any computing
    own = Framework.from_yaml(framework) if framework is not None and (data or study) else None
    fw = own or (study_framework() if study is not None and data is None else None)
    no_rules = rules is not None and rules.strip().lower() == "none"
    if no_rules and recommendations is not None:
        raise MethodError("--recommendations needs docking rules; leave out --rules none")
    rule_table = None if no_rules else load_rules(rules, (fw or partner_framework()).pillars)
    if data is not None:
        indicators = _read_data(data)
    elif study is not None:
        from silkscope.partners.table import partner_table
        from silkscope.partners.tiers import study_indicators

        label = f"study {study.root.name}"
    else:
        from silkscope.commands.trade import _flows

        con, table, label = _flows(workspace, hs, "duckdb")
        summed = table.group_by(["year", "exporter", "importer", "product"]).aggregate(
            value=table.value.sum()
        )
        distances = None
        if label is None:  # a workspace: its GeoDist pairs, when imported
            from silkscope.workspace import Workspace

            ws = Workspace.open(workspace or Path.cwd())
            pairs = ws.query("SELECT origin, dest, dist_km FROM pairs WHERE dist_km IS NOT NULL")
            distances = pairs if len(pairs) else None
        indicators, dropped = indicators_from_flows(
            con.to_pandas(summed), home, distances, allow_partial=allow_partial
        )
        partial = indicators.attrs.get("partial")
        if partial:
            console.print(f"[bold yellow]--allow-partial: {partial}[/]")
        if dropped:
            console.print(
                "left out (not an ISO3 country, or no distance from the home country): "
                + ", ".join(dropped[:20])
            )
    if study is not None:
        table = partner_table(study, home, year_range(years), stat, hofstede)
        console.print(table.summary(), highlight=False, markup=False, soft_wrap=True)
        indicators = study_indicators(table.table) if framework is None else table.table
        fw = fw if framework is not None else study_framework(table.table)  # + IP pillar if held
    result = partner_tiers(
        indicators,
        fw,
        method=method,
        k=tiers,
        n=replicates,
        seed=seed,
        exclude=(home,),
        min_coverage=min_coverage,
    )
    console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    frame = result.to_frame()
    recs = None
    if rule_table is not None:
        values = table.table if study is not None else None  # quoted by the rules' show columns
        recs = recommend(frame, result.pillar_scores, rule_table, values)
        frame = frame.merge(modes_by_country(recs), on="country", how="left")
    excluded = result.details["excluded"]
    if len(excluded):
        frame = pd.concat([frame, excluded.rename(columns={"reason": "no_tier_reason"})], ignore_index=True)
        frame[["tier", "rank"]] = frame[["tier", "rank"]].astype("Int64")  # empty, not 1.0, 2.0
    if study is not None:
        frame["note"] = f"{label}; framework {result.details['framework']}"
    elif data is None:
        source = "UN-subregion centroid proxy" if distances is None else "workspace pairs (GeoDist)"
        frame["note"] = (f"{label}; " if label else "") + f"distance: {source}"
        if partial:
            frame["note"] = frame["note"] + f"; {partial}"
    shown = ["country", "tier", "score", "tier_probability", "driver"] + (
        ["modes"] if recs is not None else []
    )
    show_table(frame[shown], title="partner tiers" + (f" ({label})" if label else ""))
    write_output(frame, out, title="partner tiers")
    if recs is not None and recommendations is not None:
        write_output(recs, recommendations, title="docking recommendations")


@app.command("segments")
@reports_errors
def segments_command(
    variables: str = typer.Option(
        ...,
        "--variables",
        help="Variables, comma-separated, each optionally group:variable (groups regional_environment, "
        "demographic, behavioural, purchasing or your own), e.g. purchasing:NY.GDP.PCAP.CD,SP.URB.TOTL.IN.ZS; "
        "without a group: from --groups, else by the name (NY.GDP.PCAP* purchasing, SP.*/SE.* demographic, "
        "IT.NET*/ST.INT* behavioural, dist*/contig/comlang*/kogut_singh regional_environment), else other.",
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output .csv, .xlsx or .parquet (profiles beside it as <stem>_profiles / 2nd sheet).",
        callback=checked_output(),
    ),
    data: Path = typer.Option(
        None, "--data", help="Table (.csv, .xlsx or .parquet): country (ISO3) + variables."
    ),
    workspace: Path = typer.Option(
        None,
        "--workspace",
        help="Study folder: use its partner table (see partners table) instead of --data.",
    ),
    groups: Path = typer.Option(None, "--groups", help="YAML: group name -> list of variables."),
    method: str = typer.Option("kmeans", "--method", help="kmeans | ward | gmm (Gaussian mixture)."),
    k: str = typer.Option("auto", "--k", help="Number of segments, or auto (gap statistic, silhouette)."),
    seed: int = typer.Option(0, "--seed", help="Seed of k-means, the mixture and the gap reference draws."),
    refs: int = typer.Option(20, "--refs", help="Reference data sets of the gap statistic."),
    log: str = typer.Option(
        "",
        "--log",
        help="Variables taken as natural logs before standardising (skewed ones, e.g. SP.POP.TOTL).",
    ),
    home: str = typer.Option("CHN", "--home", help="With --workspace: the home country (left out)."),
    years: str = typer.Option(None, "--years", help="With --workspace: a year or a range (default: latest)."),
    lang: str = typer.Option(None, "--lang", help="zh|en for the summary (default: from the locale)."),
) -> None:
    """Market segments of partner countries (paper 003): country, segment, one score per variable group."""
    from silkscope.errors import InputError, MethodError
    from silkscope.io.writers import check_output_path
    from silkscope.partners.segments import parse_variables, segment_markets, write_segments

    check_output_path(out)
    if (data is None) == (workspace is None):
        raise InputError("give either --data FILE or --workspace STUDY")
    chosen = parse_variables(variables, groups)
    k_value: int | str = k.strip().lower()
    if k_value != "auto":
        try:
            k_value = int(k_value)
        except ValueError:
            raise MethodError(f"--k must be a number or auto; got '{k}'") from None
    if data is not None:
        frame, source = _read_data(data), data.name
    else:
        from silkscope.partners.table import partner_table
        from silkscope.workspace import Workspace

        ws = Workspace.open(workspace)
        frame, source = (
            partner_table(ws, home.strip().upper(), year_range(years), None, None, lang).table,
            "partner table",
        )
    logged = [v.strip() for v in log.split(",") if v.strip()]
    result = segment_markets(frame, chosen, method.strip().lower(), k_value, seed, refs, source, logged)
    console.print(result.summary(lang), highlight=False, markup=False, soft_wrap=True)
    scores = [c for c in result.profiles.columns if c.startswith("score_")]
    show_table(result.profiles[["segment", "size", *scores]], title="segment profiles (mean scores)")
    paths = write_segments(result, out)
    console.print(
        f"segments: wrote {len(result.table):,} rows to " + " and ".join(str(p) for p in paths),
        highlight=False,
        markup=False,
    )

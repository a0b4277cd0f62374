"""Where each publisher serves its files, and what a complete download of each looks like.

Addresses (each overridable with an environment variable, e.g. for a mirror or a local server):

- World Bank WDI, one indicator as the site's "Download CSV" zip (the ``API_<code>_DS2_…csv``
  data file with its ``Metadata_Country_…`` and ``Metadata_Indicator_…`` companions):
  ``https://api.worldbank.org/v2/en/indicator/<CODE>?downloadformat=csv`` (``SILKSCOPE_WDI_URL``).
- CEPII BACI, one release zip: ``https://www.cepii.fr/DATA_DOWNLOAD/baci/data/BACI_<HS>_<V>.zip``
  (``SILKSCOPE_BACI_URL``).
- CEPII GeoDist, ``dist_cepii.xls`` (or ``.dta``): ``https://www.cepii.fr/distance/``
  (``SILKSCOPE_GEODIST_URL``); Mayer & Zignago (2011), CEPII WP 2011-25.
- UN Comtrade API v1: the public preview ``/public/v1/preview/C/A/HS`` (at most 500 rows per call,
  no key) or, with a subscription key, ``/data/v1/get/C/A/HS`` (``SILKSCOPE_COMTRADE_URL``).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path
from urllib.parse import urlencode

from silkscope.download.fetch import DownloadError

DEFAULTS = {
    "wdi": "https://api.worldbank.org",
    "baci": "https://www.cepii.fr/DATA_DOWNLOAD/baci/data",
    "geodist": "https://www.cepii.fr/distance",
    "comtrade": "https://comtradeapi.un.org",
}
#: UN Comtrade's public preview returns at most this many records per call.
COMTRADE_PREVIEW_LIMIT = 500
WDI_CODE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$")
BACI_RELEASE = re.compile(r"^V20\d{4}[a-z]?$")
BACI_HS = ("HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22")


def base(source: str) -> str:
    """The publisher's address for ``source``, or the one in ``SILKSCOPE_<SOURCE>_URL``."""
    value = os.environ.get(f"SILKSCOPE_{source.upper()}_URL") or DEFAULTS[source]
    if not value.startswith(("http://", "https://")):
        raise DownloadError(
            f"SILKSCOPE_{source.upper()}_URL must start with http:// or https://, got '{value}'"
        )
    return value.rstrip("/")


def wdi_indicators(text: str) -> list[str]:
    """``NY.GDP.MKTP.CD,SP.POP.TOTL`` -> the codes, each checked for the World Bank's form."""
    codes = [c.strip() for c in text.split(",") if c.strip()]
    if not codes:
        raise DownloadError("--indicators: give at least one WDI code, e.g. NY.GDP.MKTP.CD")
    bad = [c for c in codes if not WDI_CODE.match(c)]
    if bad:
        raise DownloadError(
            f"--indicators: '{bad[0]}' is not a WDI indicator code (letters and digits separated by dots, "
            "e.g. NY.GDP.MKTP.CD); codes are listed at https://data.worldbank.org/indicator"
        )
    return codes


def wdi_url(code: str, years: tuple[int, int] | None = None) -> str:
    query = {"downloadformat": "csv"}
    if years:
        query["date"] = f"{years[0]}:{years[1]}"
    return f"{base('wdi')}/v2/en/indicator/{code}?{urlencode(query, safe=':')}"


def wdi_check(code: str):
    """The check of a WDI download: a zip holding an ``API_*.csv`` (for an unknown code the World
    Bank answers with an XML error message instead, quoted in ours)."""

    def check(path: Path) -> None:
        if not zipfile.is_zipfile(path):
            text = path.read_bytes()[:400].decode("utf-8", "replace")
            message = " ".join(re.sub(r"<[^>]+>", " ", text).split())
            raise DownloadError(
                f"the World Bank sent no data file for {code} (it answered: {message[:200]}); "
                "check the code at https://data.worldbank.org/indicator"
            )
        check_zip(path, "WDI download")
        with zipfile.ZipFile(path) as zf:
            if not any(Path(n).name.startswith("API_") and n.lower().endswith(".csv") for n in zf.namelist()):
                raise DownloadError(f"the World Bank's zip for {code} holds no API_*.csv data file")

    return check


def unpack_wdi(archive: Path) -> list[Path]:
    """The CSV members of a WDI download, extracted beside it under their own names (unchanged)."""
    out = []
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.infolist() if m.filename.lower().endswith(".csv") and not m.is_dir()]
        for member in members:
            path = archive.parent / Path(member.filename).name  # flattened: no ../ out of the folder
            tmp = path.with_name(f".{path.name}.tmp")
            with zf.open(member) as src, open(tmp, "wb") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
            os.replace(tmp, path)
            out.append(path)
    return out


def baci_name(release: str, hs: str) -> str:
    hs = hs.upper()
    if hs not in BACI_HS:
        raise DownloadError(f"--hs must be one of {', '.join(BACI_HS)}, got '{hs}'")
    if not BACI_RELEASE.match(release):
        raise DownloadError(
            f"--release must look like V202401 (V + year + month, as CEPII names releases), got '{release}'"
        )
    return f"BACI_{hs}_{release}.zip"


def check_zip(path: Path, what: str) -> None:
    """A downloaded zip that opens and passes its CRC checks (else the transfer is not kept)."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DownloadError(f"the {what} is not a readable zip ({exc}); it was not kept") from exc
    if bad is not None:
        raise DownloadError(f"member {bad} of the {what} is damaged (CRC check); it was not kept")


def comtrade_url(
    reporter: str, years: list[int], flow: str, products: list[str] | None, partners: list[str] | None,
    keyed: bool,
) -> str:  # fmt: skip
    path = "/data/v1/get/C/A/HS" if keyed else "/public/v1/preview/C/A/HS"
    query = {
        "reporterCode": reporter,
        "period": ",".join(str(y) for y in years),
        "flowCode": flow,
        "cmdCode": ",".join(products) if products else "TOTAL",
        "includeDesc": "true",
    }
    if partners:
        query["partnerCode"] = ",".join(partners)
    return f"{base('comtrade')}{path}?{urlencode(query, safe=',')}"


def comtrade_records(path: Path) -> int:
    """The number of records in a Comtrade JSON answer."""
    return len(json.loads(path.read_text(encoding="utf-8"))["data"])


def comtrade_check(keyed: bool):
    """The check of a Comtrade answer: JSON with a ``data`` list, and not cut at the public
    preview's row cap (such a file would be incomplete and RCA on it wrong)."""

    def check(path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DownloadError(f"UN Comtrade's answer is not JSON ({exc}); nothing was kept") from exc
        rows = data.get("data") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            detail = (data.get("error") or data.get("message")) if isinstance(data, dict) else None
            raise DownloadError(
                f"UN Comtrade answered without data ({detail or 'no data field'}); nothing was kept"
            )
        if not rows:
            raise DownloadError(
                "UN Comtrade returned no records for this query (reporter, years, flow, products, "
                "partners); nothing was kept. Check the query at https://comtradeplus.un.org"
            )
        if not keyed and len(rows) >= COMTRADE_PREVIEW_LIMIT:
            raise DownloadError(
                f"UN Comtrade's public preview returned {len(rows)} records, its cap, so the answer is "
                "incomplete and was not kept: ask for fewer products, partners or years per call, or give a "
                "subscription key (--key or COMTRADE_KEY; free at https://comtradedeveloper.un.org)"
            )

    return check


def comtrade_codes(iso3s: list[str], option: str) -> list[str]:
    """UN Comtrade's numeric country codes for ISO3 codes: ISO 3166 numeric, except where Comtrade
    (like BACI) keeps its own (842 USA, 251 France, 699 India, … — :data:`trade.codes.BACI_NUMERIC`)."""
    import logging

    import country_converter as coco

    from silkscope.reference import iso3_codes
    from silkscope.trade.codes import BACI_NUMERIC

    own = {BACI_NUMERIC[n]: n for n in ("842", "251", "381", "579", "699", "757")}
    logging.getLogger("country_converter").setLevel(logging.ERROR)
    out = []
    for raw in iso3s:
        iso = raw.strip().upper()
        if iso not in iso3_codes():
            from difflib import get_close_matches

            close = get_close_matches(iso, sorted(iso3_codes()), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise DownloadError(f"{option}: '{raw}' is not an ISO3 country code{hint}")
        number = own.get(iso) or coco.convert(iso, src="ISO3", to="ISOnumeric", not_found=None)
        if number is None:
            raise DownloadError(f"{option}: no UN Comtrade code is known for {iso}")
        out.append(str(int(number)))
    return out

"""Readers of real file formats into validated tidy tables, and writers (CSV, Parquet, Excel)."""

from silkscope.io.tables import (
    IndicatorTable,
    parse_number,
    read_indicator_table,
    read_table,
    read_values,
)
from silkscope.io.writers import write_table, write_workbook

__all__ = [
    "IndicatorTable",
    "parse_number",
    "read_indicator_table",
    "read_table",
    "read_values",
    "write_table",
    "write_workbook",
]

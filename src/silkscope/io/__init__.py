"""Readers of real file formats into validated tidy tables, and writers (CSV, Parquet, Excel)."""

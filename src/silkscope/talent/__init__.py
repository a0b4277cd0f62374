"""Talent supply and demand (issue 18): GM(1,1) and ETS projections, backtests and the gap."""

"""``silkscope report`` (bilingual offline report) and ``silkscope serve`` (dashboard)."""

from __future__ import annotations

"""Silkscope: an observatory for cultural and creative industries along the Belt and Road."""

from silkscope.errors import SilkscopeError

__version__ = "0.1.0"
__all__ = ["SilkscopeError", "__version__"]

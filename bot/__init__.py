"""askbot: answer questions about news articles by quoting the passage that answers them."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("askbot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]

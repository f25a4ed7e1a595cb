"""pq-conformance: the test suite every persist-queue backend passes.

Import contracts from :mod:`pq_conformance.contracts`; this top-level module stays light
because pytest loads :mod:`pq_conformance.plugin` in every session of anyone who installs it.
"""

from .__about__ import __version__

__all__ = ["__version__"]

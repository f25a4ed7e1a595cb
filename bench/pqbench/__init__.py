"""The persist-queue benchmark: every queue type side by side with persist-queue 1.1.0.

The modules ``catalog``, ``items``, ``workloads`` and ``worker`` import only the standard
library, because they also run inside the throwaway 1.1.0 virtualenv used by ``--compare``.
"""

"""Road networks: storage for pgRouting, the importer, the in-memory routing graph.

Importing the package registers the road importer (``SPECIAL_IMPORTERS["roads"]``).
"""

from gis_api.roads import store as _store  # noqa: F401 - registers the importer

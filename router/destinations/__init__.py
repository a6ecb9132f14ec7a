"""The corporation's systems, one folder each (``router/destinations/<id>/``)."""

"""Real data in: OpenStreetMap extracts, GIS files in any CRS, and the households 台账.

One concern per module:

* :mod:`~geo_app.imports.layerset` — GeoJSON text for a layer, validation of a layer (set)
  with the validator's own messages before anything is written, atomic writes.
* :mod:`~geo_app.imports.reading` — any vector file GDAL reads (or a CSV with lon/lat
  columns) as WGS84, with GCJ-02 / BD-09 converted back.
* :mod:`~geo_app.imports.columns` — source columns mapped to schema fields (Chinese headers
  accepted) and values coerced to the schema's types.
* :mod:`~geo_app.imports.layer` — ``geo-app import layer``.
* :mod:`~geo_app.imports.osm_tags` — the OpenStreetMap tag → layer tables.
* :mod:`~geo_app.imports.osm_reader` — reading an extract with pyosmium.
* :mod:`~geo_app.imports.osm` — ``geo-app import osm``: the layer set from an extract.
* :mod:`~geo_app.imports.provisional_grids` — draft grids from street blocks.
* :mod:`~geo_app.imports.roster` — ``geo-app import roster``.
* :mod:`~geo_app.imports.roster_template` — the 台账's Excel template.
"""

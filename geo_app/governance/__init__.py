"""微协商: residents' views on the map, routed to their grid, deliberated and seen through.

One module per concern: :mod:`lifecycle` (the states and who may move a view between them),
:mod:`views` (records, transitions, scope), :mod:`routing` (point → grid and building),
:mod:`duplicates` (open views nearby), :mod:`photos`, :mod:`meetings`, :mod:`items`
(治理项目), :mod:`reach` (buildings within a walk of an item), :mod:`reports` (per grid and
month), :mod:`heat` (where the views come from) and :mod:`sample` (the invented 风格城市 sample).
"""

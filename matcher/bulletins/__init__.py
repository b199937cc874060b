"""Bulletins offices publish: supply and demand (供求信息) and wage guidance (工资指导价位).

Figures come from Elasticsearch aggregations over the indexed profiles and postings
(``counts``), are shaped into tables in Python (``supply_demand``, ``wages``), stored immutably
(``store``) and rendered as JSON, CSV and an HTML page with SVG charts (``export``, ``page``).
Errors are in ``matcher.bulletins.problems``.
"""

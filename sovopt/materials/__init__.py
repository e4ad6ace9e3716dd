"""Real supply chains of critical raw materials, from public trade, production and
governance data: the shipped extract (:mod:`~sovopt.materials.data`), the
GeoPolRisk method (:mod:`~sovopt.materials.method`), profiles, case building
and tier-2 inputs."""

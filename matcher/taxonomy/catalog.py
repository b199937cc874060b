"""The taxonomy as the service uses it: catalogs loaded once per process, and code checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matcher.embeddings import Embedder
from matcher.foundation.settings import Settings
from matcher.taxonomy.inference import OccupationInference
from matcher.taxonomy.normalize import OccupationNormalizer
from matcher.taxonomy.occupations import OccupationCatalog
from matcher.taxonomy.regions import RegionCatalog


@dataclass(frozen=True)
class Taxonomy:
    occupations: OccupationCatalog
    regions: RegionCatalog
    normalizer: OccupationNormalizer
    inference: OccupationInference

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder) -> Taxonomy:
        """Read the catalogs (blocking: call from a thread in async code)."""
        occupations = OccupationCatalog.load(_path(settings.access_rules_file))
        regions = RegionCatalog.load(_path(settings.remote_areas_file))
        normalizer = OccupationNormalizer(occupations, embedder)
        inference = OccupationInference(occupations, normalizer, embedder)
        return cls(occupations, regions, normalizer, inference)

    def region_error(self, code: str) -> str | None:
        if self.regions.is_valid(code):
            return None
        return f"unknown GB/T 2260 region code {code}"

    def occupation_error(self, code: str) -> str | None:
        occupation = self.occupations.get(code)
        if occupation is None:
            return f"unknown CSCO 2022 occupation code {code}"
        if occupation.level != 4:
            return f"{code} ({occupation.name}) is a group; give an occupation (level 4) code"
        return None

    def occupation_name(self, code: str) -> str:
        occupation = self.occupations.get(code)
        return occupation.name if occupation else code


def _path(value: str) -> Path | None:
    return Path(value) if value else None

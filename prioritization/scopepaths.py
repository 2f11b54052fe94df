"""How a model says where it sits in the organisation; read by `prioritization.access.Scope`.
Kept free of imports so that every app's models can declare it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScopePaths:
    """ORM paths from a model to its place in the organisation. "self" means the row itself."""

    group: str
    unit: str | None = None
    segment: str | None = None
    owners: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def through(cls, parent: str, paths: ScopePaths) -> ScopePaths:
        def join(path):
            if path is None:
                return None
            return parent if path == "self" else f"{parent}__{path}"

        return cls(
            group=join(paths.group),
            unit=join(paths.unit),
            segment=join(paths.segment),
            owners=tuple(join(o) for o in paths.owners),
        )

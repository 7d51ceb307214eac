"""What part of the circle an actor may see or change: a plain value, free of any app.

A ``Scope`` is computed from an actor's roles by ``accounts`` and handed to other apps'
selectors, which turn it into a queryset filter. Keeping it here (not in ``accounts``) lets
``schools`` and later apps filter by scope without importing ``accounts``.

Invariants: codes are GB/T 2260 codes (6 digits) for regions and school codes for schools;
``everything`` overrides the sets; an empty scope sees nothing.

Read next: ``educloud.accounts.scoping`` (how roles become scopes).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    """A union of regions and schools. ``Scope.none()`` sees nothing, ``Scope.all()`` everything."""

    everything: bool = False
    province_codes: frozenset[str] = field(default_factory=frozenset)
    city_codes: frozenset[str] = field(default_factory=frozenset)
    county_codes: frozenset[str] = field(default_factory=frozenset)
    school_codes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def none(cls) -> Scope:
        return cls()

    @classmethod
    def all(cls) -> Scope:
        return cls(everything=True)

    @property
    def is_empty(self) -> bool:
        return not (
            self.everything
            or self.province_codes
            or self.city_codes
            or self.county_codes
            or self.school_codes
        )

    def union(self, other: Scope) -> Scope:
        return Scope(
            everything=self.everything or other.everything,
            province_codes=self.province_codes | other.province_codes,
            city_codes=self.city_codes | other.city_codes,
            county_codes=self.county_codes | other.county_codes,
            school_codes=self.school_codes | other.school_codes,
        )

    def covers_place(
        self, *, province_code: str, city_code: str, county_code: str, school_code: str | None = None
    ) -> bool:
        """Whether a place (a county, or a school in it) lies inside this scope."""
        return (
            self.everything
            or province_code in self.province_codes
            or city_code in self.city_codes
            or county_code in self.county_codes
            or (school_code is not None and school_code in self.school_codes)
        )

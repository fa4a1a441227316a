"""Who did an act: the authenticated official, stamped on every event."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.values import Role


@dataclass(frozen=True)
class Actor:
    official_id: UUID
    name: str
    unit: str
    role: Role

    def as_dict(self) -> dict[str, str]:
        return {
            "official_id": str(self.official_id),
            "name": self.name,
            "unit": self.unit,
            "role": self.role.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Actor:
        return cls(UUID(str(data["official_id"])), data["name"], data["unit"], Role(data["role"]))


SYSTEM = Actor(UUID(int=0), "系统", "系统", Role.ADMIN)
"""The actor of acts done from the command line by the bureau's administrator."""

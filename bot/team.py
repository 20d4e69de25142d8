"""`Team`: the workspace scope every stored row belongs to.

A workspace is identified by its Slack team ID plus, inside an Enterprise Grid org, the
enterprise ID. `Team.key` is the single string the tables use to scope rows; every
repository method that a user can reach takes a `Team`, so a query cannot forget its scope.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Team:
    team_id: str
    enterprise_id: str | None = None

    def __post_init__(self) -> None:
        if not self.team_id or ":" in self.team_id:
            raise ValueError(f"invalid Slack team ID: {self.team_id!r}")
        if self.enterprise_id == "":
            object.__setattr__(self, "enterprise_id", None)
        if self.enterprise_id is not None and ":" in self.enterprise_id:
            raise ValueError(f"invalid Slack enterprise ID: {self.enterprise_id!r}")

    @property
    def key(self) -> str:
        """The scope key stored in every table, e.g. ``"-:T123"`` or ``"E9:T123"``."""
        return f"{self.enterprise_id or '-'}:{self.team_id}"

    @classmethod
    def from_key(cls, key: str) -> Team:
        """The inverse of `key`."""
        enterprise_id, sep, team_id = key.partition(":")
        if not sep:
            raise ValueError(f"invalid team key: {key!r}")
        return cls(team_id=team_id, enterprise_id=None if enterprise_id == "-" else enterprise_id)

"""What the IR build reports: errors (refuse to generate), warnings (repaired) and degraded (generated as Any or
not enforced), each at a JSON pointer."""

from __future__ import annotations

from dataclasses import dataclass, field

from flint_generator.errors import SpecError
from flint_generator.ir.types import TypeRef


@dataclass
class Findings:
    lenient: bool
    errors: list[SpecError] = field(default_factory=list)
    warnings: list[SpecError] = field(default_factory=list)
    degraded: list[SpecError] = field(default_factory=list)

    def fail(self, pointer: str, message: str) -> None:
        """A spec problem: an error, or in lenient mode a warning (the caller repairs it)."""
        (self.warnings if self.lenient else self.errors).append(SpecError(pointer, message))

    def warn(self, pointer: str, message: str) -> None:
        self.warnings.append(SpecError(pointer, message))

    def degrade(self, pointer: str, message: str) -> TypeRef:
        """Something the models cannot express: typed as Any there, and reported."""
        self.degraded.append(SpecError(pointer, message))
        return TypeRef("any")

    def not_enforced(self, pointer: str, message: str) -> None:
        self.degraded.append(SpecError(pointer, message))

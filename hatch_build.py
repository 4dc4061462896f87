"""Build hook: a wheel carries the files beside the code inside the package, as app/_data/, where
app/paths.py finds them. An editable install leaves them where they are (no stale copies)."""

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BESIDE_THE_CODE = ("templates", "static", "question_bank", "migrations", "alembic.ini")


class BundleDataHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "standard":
            build_data["force_include"].update({name: f"app/_data/{name}" for name in BESIDE_THE_CODE})

"""Where the files beside the code live: templates, static assets, the question bank and the
migrations. In a source checkout (and an editable install) they sit beside `app/`; a built wheel
carries them inside the package as `app/_data/`, so an installed `gitops-coach` finds them
wherever it runs from."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_data"  # where the wheel puts them (pyproject: force-include)
ROOT = _BUNDLED if _BUNDLED.is_dir() else _PACKAGE.parent

TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
QUESTION_BANK_DIR = ROOT / "question_bank"
MIGRATIONS_DIR = ROOT / "migrations"
ALEMBIC_INI = ROOT / "alembic.ini"

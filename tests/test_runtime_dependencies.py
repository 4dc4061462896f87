"""Every third-party package that app/ imports is a runtime dependency in pyproject.toml. The
container image installs those and nothing else: a package that reached the development
environment only through a dev extra or another package's dependency (httpx, once openai
stopped requiring it) would break `gitops-coach serve` there and nowhere else."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_top_level_modules(package: Path) -> set[str]:
    """What the package imports when it runs: imports under `if TYPE_CHECKING:` (type stubs) are
    only read by mypy."""
    modules = set()
    for path in package.rglob("*.py"):
        for node in _run_time_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.partition(".")[0])
    return modules


def _run_time_nodes(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.If) and ast.unparse(node.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}:
        return [n for child in node.orelse for n in _run_time_nodes(child)]
    return [node] + [n for child in ast.iter_child_nodes(node) for n in _run_time_nodes(child)]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_package_app_imports_is_a_declared_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {normalized(re.split(r"[\[<>=;\s]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}
    distributions = packages_distributions()
    third_party = imported_top_level_modules(ROOT / "app") - set(sys.stdlib_module_names) - {"app"}

    undeclared = {
        module: distributions.get(module)
        for module in third_party
        if not {normalized(d) for d in distributions.get(module, [module])} & declared
    }

    assert undeclared == {}

"""Print pip constraints pinning every runtime dependency of pyproject.toml to its lower bound
(`>=4.9` becomes `==4.9.*`), so CI can check that the floors we declare really work."""

import re
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
for requirement in project["dependencies"]:
    match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?>=([^,;\s]+)", requirement)
    if match:
        print(f"{match[1]}=={match[3]}.*")

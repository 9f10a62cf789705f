"""Packages depend one way: the core imports no domain package, and rules are pure.

The core is the modules directly in `app/`; it names roles, actions and scope, and each
domain package registers its policy, pages and menu in its own `init_app`. Only the factory
(`app.create_app`) imports the packages, to register them. Rules modules import only the
standard library (pandas where a table is natural) and other rules modules, so importing one
loads no Flask and no SQLAlchemy.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOP_LEVEL_PACKAGES = ["question_bank", "exams", "competitions", "certificates"]
# The demo builders are being moved out of the core into their own package: never core.
NOT_CORE = {"demo.py"}
# The one place allowed to import the packages: the factory registers them.
REGISTRAR = ("app/__init__.py", "create_app")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _core_files() -> list[Path]:
    return sorted(p for p in (ROOT / "app").glob("*.py") if p.name not in NOT_CORE)


def _domain_packages() -> list[str]:
    app_packages = [f"app.{p.parent.name}" for p in sorted((ROOT / "app").glob("*/__init__.py"))]
    return [*app_packages, "app.demo", *TOP_LEVEL_PACKAGES]


def _rules_files() -> list[Path]:
    files = []
    for top in ["app", *TOP_LEVEL_PACKAGES]:
        files += (ROOT / top).rglob("rules/*.py")
        files += (ROOT / top).rglob("rules.py")
    return sorted(set(files))


def _imported_names(path: Path, skip_function: str | None = None) -> list[tuple[int, str]]:
    """(line, module) of every import in `path`, at module level or in a function; a name
    imported `from` a module counts as its submodule. `skip_function`'s body is left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    skipped = {
        id(node)
        for top in tree.body
        if isinstance(top, ast.FunctionDef) and top.name == skip_function
        for node in ast.walk(top)
    }
    names = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.append((node.lineno, module))
            names += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return names


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_core_and_the_packages_are_found():
    core = {p.name for p in _core_files()}
    assert {"__init__.py", "security.py", "web.py", "api.py", "errors.py"} <= core
    assert {"app.auth", "app.orgs", "app.courses", "exams", "question_bank"} <= set(
        _domain_packages()
    )
    rules = {_module_name(p) for p in _rules_files()}
    assert {"exams.rules.grading", "app.law_trainings.rules", "app.auth.rules"} <= rules


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: p.name)
def test_the_core_imports_no_domain_package(path):
    registrar, function = REGISTRAR
    skip = function if path.relative_to(ROOT).as_posix() == registrar else None
    wrong = [
        f"line {line}: {name}"
        for line, name in _imported_names(path, skip_function=skip)
        if any(_within(name, package) for package in _domain_packages())
    ]
    assert wrong == []


def _allowed_in_rules(name: str) -> bool:
    top = name.partition(".")[0]
    # `app.errors` is the domain's error vocabulary, itself standard library only.
    return (
        top in sys.stdlib_module_names
        or top == "pandas"
        or "rules" in name.split(".")
        or name == "app.errors"
        or name.startswith("app.errors.")
    )


@pytest.mark.parametrize("path", _rules_files(), ids=_module_name)
def test_rules_import_only_the_standard_library_and_other_rules(path):
    wrong = [
        f"line {line}: {name}"
        for line, name in _imported_names(path)
        if not _allowed_in_rules(name)
    ]
    assert wrong == []


def test_importing_rules_loads_neither_flask_nor_sqlalchemy():
    modules = [
        "exams.rules.grading",
        "question_bank.rules.types",
        "app.orgs.rules.identity",
        "app.errors",
        "app.timeutil",
        "app.roles",
        *(_module_name(p) for p in _rules_files()),
    ]
    code = (
        f"import {', '.join(modules)}; import sys; "
        "assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules, "
        "sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy'))"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr

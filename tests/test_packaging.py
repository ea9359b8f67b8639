"""What a plain `pip install .` ships, and the layering rule that keeps the domain free of UI.

The package list in pyproject.toml is explicit (migrations/ and seeds/ are mapped into the
package), so a new subpackage that is not listed would silently be missing from a wheel.
"""

import ast
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI_PACKAGES = ("tracker.cli", "tracker.tui")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def package_dirs() -> dict[str, Path]:
    """Every importable package in the source tree, by the name it has once installed."""
    roots = {"tracker": ROOT / "tracker", "tracker.migrations": ROOT / "migrations",
             "tracker.seeds": ROOT / "seeds"}
    found: dict[str, Path] = {}
    for name, root in roots.items():
        for init in root.rglob("__init__.py"):
            relative = init.parent.relative_to(root).parts
            if "__pycache__" not in relative:
                found[".".join((name, *relative))] = init.parent
    return found


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    assert set(package_dirs()) == listed


def test_every_source_folder_is_a_package() -> None:
    """A folder of modules without __init__.py would be left out of the wheel."""
    for folder in (ROOT / "tracker").rglob("*"):
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py")):
            assert (folder / "__init__.py").exists(), folder


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    return next(out.glob("news_revision_tracker-*.whl"))


def test_wheel_ships_migrations_seeds_and_styles(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tracker/migrations/env.py" in names
    assert "tracker/migrations/script.py.mako" in names
    assert any(n.startswith("tracker/migrations/versions/0001") for n in names)
    assert "tracker/seeds/iran-missiles-2020-01-07/story.toml" in names
    assert sum(n.startswith("tracker/seeds/iran-missiles-2020-01-07/2020") for n in names) == 8
    for path in (ROOT / "tracker").rglob("*"):
        if path.suffix in {".tcss", ".json", ".css", ".html", ".xml"}:
            assert path.relative_to(ROOT).as_posix() in names, path
    assert not any(n.startswith("tests/") for n in names)


def test_the_distribution_has_the_name_the_guide_installs(wheel: Path) -> None:
    """"tracker" on the package index is another project: the distribution has a name of its
    own (the import package and the command stay `tracker`), the one docs/deploy.md installs."""
    archive = zipfile.ZipFile(wheel)
    [metadata] = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
    name = re.search(r"^Name: (.+)$", archive.read(metadata).decode(), re.MULTILINE)
    assert name and name[1] == "news-revision-tracker"
    assert f"pip install '{name[1]}[postgres]'" in (ROOT / "docs" / "deploy.md").read_text()
    assert "tracker = tracker.launch:main" in archive.read(
        metadata.replace("METADATA", "entry_points.txt")).decode()


def test_installed_wheel_creates_a_database_and_imports_the_sample(
    wheel: Path, tmp_path: Path
) -> None:
    """Unpacked alone on sys.path (no source tree), the package finds its own migrations and
    sample story."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import sys, tracker\n"
        f"assert tracker.__file__.startswith({str(site)!r}), tracker.__file__\n"
        "from tracker.db.engine import open_database\n"
        "from tracker.sources.importer import import_paths, seeds_dir\n"
        f"db = open_database('sqlite:///{tmp_path / 'w.db'}')\n"
        "print(import_paths(db, [seeds_dir()]).added)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "8"


def test_domain_modules_never_import_the_ui_toolkits() -> None:
    """The CLI and TUI are thin layers; everything else must work without Textual or typer."""
    domain = sorted(name for name in package_dirs() if not name.startswith(UI_PACKAGES))
    modules = [f"{package}.{path.stem}" for package in domain
               for path in package_dirs()[package].glob("*.py")
               if path.stem not in ("__init__", "__main__") and "versions" not in package
               and package != "tracker.migrations"]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        # Not click: httpx imports its optional command line (click) whenever click is installed,
        # as it is beside import-linter in the dev extra.
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'typer')))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    assert len(modules) > 10
    assert result.stdout.strip() == "[]"


def test_exports_load_neither_rich_nor_the_terminal_layer() -> None:
    """Exports run from cron and scripts: they share plain helpers (tracker.text.display) with
    the terminal but must never pay for, or depend on, rich or tracker.terminal."""
    modules = ["tracker.export", *(f"tracker.export.{path.stem}"
                                   for path in sorted(package_dirs()["tracker.export"].glob("*.py"))
                                   if path.stem != "__init__")]
    script = (
        "import importlib, sys\n"
        "def loaded(): return {m for m in sys.modules\n"
        "                      if m.split('.')[0] == 'rich' or m.startswith('tracker.terminal')}\n"
        "for name in sys.argv[1:]:\n"
        "    before = loaded()\n"
        "    importlib.import_module(name)\n"
        "    print(name, sorted(loaded() - before))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, *modules], capture_output=True,
                            text=True, check=True, cwd=ROOT)
    assert len(modules) > 5
    assert result.stdout.splitlines() == [f"{name} []" for name in modules]


def test_storage_imports_no_diffing_or_analysing() -> None:
    """tracker.db returns what is stored; diffing and analysing versions is domain work
    (tracker.store when a version is stored, tracker.history.compare when one is read)."""
    imported: set[str] = set()
    for path in (ROOT / "tracker" / "db").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
    assert "tracker.db.models.Diff" in imported
    assert not [name for name in imported if name.startswith("tracker.text.diffing")
                or name == "tracker.text.analysis.analyse"]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1]
    command = section.split("```sh\n", 1)[1].split("\n```", 1)[0].strip()
    assert command.endswith("pytest")
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()

"""`starter generate module` and `starter revert module`: a resource group written and wired in
one step, and removed again exactly.

Generation renders the Jinja2 templates under templates/ into new files, formats them with
ruff, and inserts the wiring at marked places of files that already exist:

- template.yaml: the function and its routes, log group and alarms, plus the dashboard;
- shared/docs/catalog.py: the router, for the one OpenAPI document;
- pyproject.toml: the group's layer in the import contracts.

Everything it wrote is recorded in a manifest (tools/generator/manifests/<plural>.json): every
file with its SHA-256, and every insertion with its exact text. Revert refuses to remove files
edited since generation, or a migration that is not the latest, unless forced. It reverts the
migration where it was applied, deletes the files and takes out exactly the inserted text, so
the tree is byte for byte what it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import jinja2

from tools.generator.naming import Names, collisions, derive

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).parent / "templates"
MANIFESTS = Path(__file__).parent / "manifests"
KINDS = ("basic", "production")
VISIBILITIES = ("owner", "all")
TEMPLATE_MARKER = (
    "  # starter generate module: generated resource groups are inserted above this line.\n"
)
CATALOG_MARKER = "    # starter generate module: generated groups are inserted above this line.\n"
LAYERS_MARKER = "    # starter generate module: generated groups are inserted above this line.\n"
DASHBOARD_ANCHOR = '["...", "${DlqReconcilerFunction}"]'


class GeneratorError(RuntimeError):
    """A refusal with a message for the user (exit code 1)."""


@dataclass(frozen=True)
class Edit:
    """`text` inserted into `path` just before (or after) `anchor`; reverting removes `text`.
    Later generations insert next to the same anchor, so each text stays whole on its own."""

    path: str
    anchor: str
    text: str
    after: bool = False

    def apply(self, content: str) -> str:
        joined = self.anchor + self.text if self.after else self.text + self.anchor
        return content.replace(self.anchor, joined, 1)

    def undo(self, content: str) -> str:
        return content.replace(self.text, "", 1)


@dataclass
class Manifest:
    module: str
    plural: str
    template: str
    visibility: str
    migration_version: int
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    edits: list[Edit] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return MANIFESTS / f"{self.plural}.json"

    def save(self, root: Path) -> None:
        target = root / self.path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, root: Path, plural: str) -> Manifest:
        source = root / (MANIFESTS / f"{plural}.json").relative_to(ROOT)
        if not source.exists():
            raise GeneratorError(f"no generated module '{plural}' ({source.relative_to(root)})")
        data = json.loads(source.read_text())
        data["edits"] = [Edit(**e) for e in data["edits"]]
        return cls(**data)


@dataclass(frozen=True)
class Plan:
    names: Names
    template: str
    visibility: str
    migration_version: int
    files: dict[str, str]  # relative path -> content
    edits: list[Edit]

    def describe(self) -> list[str]:
        lines = [f"create {path}" for path in self.files]
        lines += [f"edit   {e.path} (+{e.text.count(chr(10))} lines)" for e in self.edits]
        return lines


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _latest_migration(root: Path) -> int:
    versions = [int(p.name[:4]) for p in (root / "shared/migrations/sql").glob("*.up.sql")]
    return max(versions, default=0)


def plan(
    root: Path,
    name: str,
    *,
    template: str = "basic",
    plural: str | None = None,
    visibility: str = "owner",
) -> Plan:
    if template not in KINDS:
        raise GeneratorError(f"--template must be one of {', '.join(KINDS)}")
    if visibility not in VISIBILITIES:
        raise GeneratorError(f"--visibility must be one of {', '.join(VISIBILITIES)}")
    names = derive(name, plural)
    version = _latest_migration(root) + 1
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - renders Python, SQL and YAML, never HTML
    )
    context = {
        "n": names,
        "template": template,
        "visibility": visibility,
        "default_plural": derive(name).plural if plural else names.plural,
    }

    def render(source: str) -> str:
        return env.get_template(source).render(context)

    migration = f"shared/migrations/sql/{version:04d}_{names.plural}"
    files = {
        f"shared/{names.plural}/__init__.py": render("common/__init__.py.j2"),
        f"shared/{names.plural}/schemas.py": render(f"{template}/schemas.py.j2"),
        f"shared/{names.plural}/service.py": render(f"{template}/service.py.j2"),
        f"shared/{names.plural}/routes.py": render(f"{template}/routes.py.j2"),
        f"functions/{names.plural}/handler.py": render("common/handler.py.j2"),
        f"{migration}.up.sql": render(f"{template}/up.sql.j2"),
        f"{migration}.down.sql": render(f"{template}/down.sql.j2"),
        f"tests/{names.plural}/__init__.py": "",
        f"tests/{names.plural}/test_{names.plural}.py": render(f"{template}/test.py.j2"),
        f"events/{names.plural}-list.json": render("common/event.json.j2"),
    }
    edits = [
        Edit("template.yaml", TEMPLATE_MARKER, render("common/template.yaml.j2")),
        Edit(
            "template.yaml",
            DASHBOARD_ANCHOR,
            f', ["...", "${{{names.function_id}}}"]',
            after=True,
        ),
        Edit("shared/docs/catalog.py", CATALOG_MARKER, f'    "shared.{names.plural}.routes",\n'),
        Edit("pyproject.toml", LAYERS_MARKER, f'    "{names.plural}",\n'),
    ]
    return Plan(names, template, visibility, version, files, edits)


def _format(root: Path, paths: list[str]) -> None:
    """ruff formats the generated Python (long names wrap) and sorts its imports."""
    python = [str(root / p) for p in paths if p.endswith(".py")]
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "check", "--fix", "--select", "I", "--quiet", *python], check=True)
    subprocess.run([*ruff, "format", "--quiet", *python], check=True)


def generate(root: Path, the_plan: Plan, *, force: bool = False) -> Manifest:
    names = the_plan.names
    existing_manifest = root / (MANIFESTS / f"{names.plural}.json").relative_to(ROOT)
    if existing_manifest.exists():
        if not force:
            raise GeneratorError(
                f"module '{names.plural}' was generated already "
                f"({existing_manifest.relative_to(root)}): revert it, or use --force"
            )
        revert(root, Manifest.load(root, names.plural), force=True, database_url=None)
    template_text = (root / "template.yaml").read_text()
    taken = collisions(root, names, template_text)
    if taken and not force:
        raise GeneratorError("already exists: " + "; ".join(taken) + " (use --force to overwrite)")
    for edit in the_plan.edits:
        if edit.anchor not in (root / edit.path).read_text():
            raise GeneratorError(
                f"{edit.path} has lost its generator marker: {edit.anchor.strip()}"
            )
    for path, content in the_plan.files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    _format(root, list(the_plan.files))
    for edit in the_plan.edits:
        target = root / edit.path
        target.write_text(edit.apply(target.read_text()))
    manifest = Manifest(
        module=names.singular,
        plural=names.plural,
        template=the_plan.template,
        visibility=the_plan.visibility,
        migration_version=the_plan.migration_version,
        files={p: _sha256((root / p).read_text()) for p in the_plan.files},
        edits=the_plan.edits,
    )
    manifest.save(root)
    return manifest


def revert_problems(root: Path, manifest: Manifest) -> list[str]:
    """Why reverting would lose work: edited files, a later migration, missing wiring."""
    problems = [
        f"{path} was edited since it was generated"
        for path, digest in manifest.files.items()
        if (root / path).exists() and _sha256((root / path).read_text()) != digest
    ]
    if _latest_migration(root) != manifest.migration_version:
        problems.append(
            f"migration {manifest.migration_version:04d}_{manifest.plural} is not the latest: "
            "revert the later ones first"
        )
    problems += [
        f"{e.path} no longer holds the generated wiring"
        for e in manifest.edits
        if e.text not in (root / e.path).read_text()
    ]
    return problems


def revert(root: Path, manifest: Manifest, *, force: bool, database_url: str | None) -> list[str]:
    """Undo a generation. Returns what it did, one line each."""
    problems = revert_problems(root, manifest)
    if problems and not force:
        raise GeneratorError("refusing to revert: " + "; ".join(problems) + " (use --force)")
    done: list[str] = []
    if database_url is not None:
        done += _down_migration(root, manifest, database_url)
    for path in manifest.files:
        target = root / path
        if target.exists():
            target.unlink()
            done.append(f"removed {path}")
    for directory in {Path(p).parent for p in manifest.files}:
        target = root / directory
        shutil.rmtree(target / "__pycache__", ignore_errors=True)
        if target.is_dir() and not any(target.iterdir()) and directory != Path("events"):
            target.rmdir()
    for edit in reversed(manifest.edits):
        target = root / edit.path
        text = target.read_text()
        if edit.text in text:
            target.write_text(edit.undo(text))
            done.append(f"unwired {edit.path}")
    manifest_file = root / manifest.path.relative_to(ROOT)
    manifest_file.unlink(missing_ok=True)
    if manifest_file.parent.is_dir() and not any(manifest_file.parent.iterdir()):
        manifest_file.parent.rmdir()
    return done


def _down_migration(root: Path, manifest: Manifest, database_url: str) -> list[str]:
    from shared import migrations

    directory = root / "shared/migrations/sql"
    applied = {s.version for s in migrations.status(database_url, directory) if s.applied}
    if manifest.migration_version not in applied:
        return []
    if max(applied) != manifest.migration_version:
        return [f"kept migration {manifest.migration_version:04d}: later ones are applied"]
    migrations.down(database_url, manifest.migration_version - 1, directory)
    return [
        f"reverted migration {manifest.migration_version:04d}_{manifest.plural} in the database"
    ]


def load_manifest(root: Path, name: str) -> Manifest:
    """By the singular or plural name the module was generated under."""
    for candidate in (name, derive(name).plural if _derivable(name) else name):
        if (root / (MANIFESTS / f"{candidate}.json").relative_to(ROOT)).exists():
            return Manifest.load(root, candidate)
    raise GeneratorError(f"no generated module named '{name}'")


def _derivable(name: str) -> bool:
    try:
        derive(name)
    except ValueError:
        return False
    return True

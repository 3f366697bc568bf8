"""Print the `packages` list for pyproject.toml: every package of reporter/ plus the mapped folders."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
found = sorted(
    ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "reporter").rglob("__init__.py")
)
mapped = ["reporter.migrations", "reporter.migrations.versions", "reporter.translations"]
print("packages = [")
for name in sorted({*found, *mapped}):
    print(f'    "{name}",')
print("]")

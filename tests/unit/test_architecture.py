"""The import rules of DESIGN.md, checked on the source (AST), so a violation fails CI.

(a) PyQt6 is imported only under meetwatch/qt/: the core runs headless.
(b) torch is imported only by the training code that needs it (train, model, export, finalize).
(c) A pipeline stage never imports a later stage:
    capture < layout < faces < analysis < tracking < aggregation < session < outputs,
    without exceptions: the words they share (attention states, privacy modes, the emotion
    class list, session info, stage status, event kinds) live in meetwatch.shared, below every
    stage, which imports no other meetwatch module. The drivers (app, pipeline, offline,
    session_runner, controller, analyze_cli, commands, cli, demo, desktop, qt, training,
    terminal_view) sit outside the order and may import any stage; stages, runtime and config
    never import a driver. runtime sits below every stage (capture uses its clock and stage
    runner), so it imports no stage.
(d) Privacy: no module writes pictures to disk (cv2.imwrite, cv2.VideoWriter) unless listed
    in PICTURE_WRITERS; the tests write screenshots to the artifacts folder, the product
    never writes a face.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "meetwatch"
STAGES = (
    "capture",
    "layout",
    "faces",
    "analysis",
    "tracking",
    "aggregation",
    "session",
    "outputs",
)
DRIVERS = {
    "__main__",
    "analyze_cli",
    "app",
    "cli",
    "commands",
    "controller",
    "demo",
    "desktop",
    "offline",
    "pipeline",
    "qt",
    "session_runner",
    "terminal_view",
    "training",
}
TORCH_USERS = {
    "training/train.py",
    "training/model.py",
    "training/export.py",
    "training/finalize.py",
    "training/onnx_weights.py",
    "training/distill.py",
    "training/attention.py",
}
PICTURE_WRITERS: set[str] = set()  # module paths allowed to call cv2.imwrite / VideoWriter


@dataclass(frozen=True)
class Import:
    file: str  # relative to meetwatch/, e.g. "layout/grid.py"
    line: int
    module: str  # absolute dotted name, e.g. "meetwatch.faces.faces"

    @property
    def package(self) -> str:
        """The importing file's first-level package or module: 'layout', 'app', ..."""
        return self.file.split("/")[0].removesuffix(".py")

    def __str__(self) -> str:
        return f"meetwatch/{self.file}:{self.line} imports {self.module}"


@functools.cache
def _trees() -> dict[str, ast.Module]:
    return {
        path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(), str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def _absolute(file: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = ["meetwatch", *file.removesuffix(".py").split("/")]
    base = parts[: len(parts) - node.level]
    return ".".join([*base, node.module] if node.module else base)


@functools.cache
def _imports() -> tuple[Import, ...]:
    """Every import statement, also those inside functions (lazy imports count too)."""
    found = []
    for file, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [Import(file, node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = _absolute(file, node)
                found.append(Import(file, node.lineno, module))
                # `from meetwatch import layout` names a subpackage
                if module == "meetwatch":
                    found += [Import(file, node.lineno, f"meetwatch.{a.name}") for a in node.names]
    return tuple(found)


def _of(top: str) -> Iterator[Import]:
    return (i for i in _imports() if i.module == top or i.module.startswith(top + "."))


def _target(imp: Import) -> str | None:
    """The meetwatch package an import reaches ('faces', 'app', ...), None for others."""
    parts = imp.module.split(".")
    return parts[1] if parts[0] == "meetwatch" and len(parts) > 1 else None


def test_the_scan_sees_the_package() -> None:
    files = _trees()
    assert "layout/grid.py" in files and "qt/overlay.py" in files
    assert any(i.module == "PyQt6.QtWidgets" for i in _imports()), "finds PyQt6 imports"
    assert any(i.module == "torch" for i in _imports()), "finds torch imports"
    assert any(i.module.startswith("meetwatch.layout") for i in _imports() if i.package == "faces")


def test_pyqt6_only_under_qt() -> None:
    outside = [str(i) for i in _of("PyQt6") if i.package != "qt"]
    assert outside == []


def test_torch_only_in_training_code() -> None:
    outside = [str(i) for i in _of("torch") if i.file not in TORCH_USERS]
    assert outside == []


def test_no_stage_imports_a_later_stage() -> None:
    rank = {stage: n for n, stage in enumerate(STAGES)}
    later = [
        str(i)
        for i in _imports()
        if i.package in rank and (target := _target(i)) in rank and rank[target] > rank[i.package]
    ]
    assert later == []


def test_stages_runtime_and_config_never_import_a_driver() -> None:
    core = set(STAGES) | {"runtime", "config"}
    upward = [str(i) for i in _imports() if i.package in core and _target(i) in DRIVERS]
    assert upward == []


def test_runtime_imports_no_stage() -> None:
    found = [str(i) for i in _imports() if i.package == "runtime" and _target(i) in STAGES]
    assert found == []


def test_the_shared_words_import_no_other_meetwatch_module() -> None:
    found = [str(i) for i in _imports() if i.package == "shared" and _target(i) is not None]
    assert found == []


def _picture_writes(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.alias):
            name = node.name
        if name in ("imwrite", "imwritemulti", "VideoWriter"):
            yield getattr(node, "lineno", 0)


def test_no_module_writes_pictures_to_disk() -> None:
    writers = {
        f"{file}:{line}"
        for file, tree in _trees().items()
        if file not in PICTURE_WRITERS
        for line in _picture_writes(tree)
    }
    assert writers == set(), "the product must not write face pictures to disk"

"""The install claims one top-level name, `mjx_dacer2`: the repository's `envs/` and `launch/`
folders install as `mjx_dacer2.envs` and `mjx_dacer2.launch` (pyproject.toml)."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_package_folder_is_listed_in_pyproject():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapped = {v: k for k, v in setuptools["package-dir"].items()}  # folder -> package
    found = set()
    for init in ROOT.glob("*/**/__init__.py"):
        folder = init.parent.relative_to(ROOT)
        top, *rest = folder.parts
        if top in ("mjx_dacer2", *mapped):
            found.add(".".join([mapped.get(top, top), *rest]))
    assert found == set(setuptools["packages"])


def test_generic_top_level_names_are_not_installed(tmp_path):
    code = (
        "import importlib.util as u, mjx_dacer2.envs, mjx_dacer2.launch.cli; "
        "print(u.find_spec('envs'), u.find_spec('launch'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["None", "None"]


# Each folder owns one concern and imports only from the layers below it (or its own).
LAYERS = [
    "runtime",  # process-wide JAX settings
    "config",  # the Config, presets, validation, JSON form, variant specs
    "parallel",  # the data-parallel mesh, multi-host start-up
    "envs",  # Env contract, VecEnv, registry (repo folder envs/)
    "algorithms",  # Learner protocol, dacer/, sac/
    "training",  # replay, normalizer, inference, the fused chunk, evaluation
    "storage",  # checkpoints, resume, exports, run logs
    "driver",  # the host loop for 1..N seeds
    "study",  # sweeps, benchmarks, plots, multimodality, rendering
    "launch",  # the CLI (repo folder launch/)
]


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "mjx_dacer2" or len(parts) < 2:
        return None
    return LAYERS.index(parts[1])


def _sources():
    for folder, package in (("mjx_dacer2", "mjx_dacer2"), ("envs", "mjx_dacer2.envs"),
                            ("launch", "mjx_dacer2.launch")):  # fmt: skip
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            name = ".".join([package, *rel.parts]).removesuffix(".__init__")
            if name != "mjx_dacer2":  # the package root only re-exports load_policy lazily
                yield name, path


def test_imports_only_go_down_the_layers():
    import ast

    upward = []
    for name, path in _sources():
        own = _layer(name)
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            layers = [_layer(t) for t in targets if t.startswith("mjx_dacer2.")]
            layers = [x for x in layers if x is not None]
            if layers and max(layers) > own:
                upward.append(f"{name} imports {targets[0]}")
    assert not upward, upward

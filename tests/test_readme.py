"""README.md's code blocks work as written.

Every ```python block runs on its own, in a fresh namespace, as a reader would paste it;
an expression whose comment is a Python literal (`net.predict(X)   # [0, 1, 1, 0]`) must
equal it. Every ```bash block's commands are checked without being run: the first block's
lines are the commands CI runs (.ci/run holds each verbatim); `pip install .[extras]` names
extras that bendernet defines; `python -m module` and `python path` name a module or a
file that exist, and so do pytest's paths; a command given as a path is an executable
file of the repository. Blocks added to README.md are picked up by the same rules.
"""

import ast
import importlib.util
import os
import re
import shlex
import warnings
from importlib.metadata import metadata
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
if not (REPO / "README.md").is_file():
    pytest.skip("README.md is not beside these tests (an installed package's tests)",
                allow_module_level=True)
README = (REPO / "README.md").read_text()
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language):
    """(first line number, text) of each fenced block in that language"""
    return [(README.count("\n", 0, match.start()) + 2, match.group(2))
            for match in BLOCK.finditer(README) if match.group(1) == language]


PYTHON_BLOCKS = blocks("python")
BASH_BLOCKS = blocks("bash")


def test_the_readme_has_the_blocks_these_tests_read():
    assert len(PYTHON_BLOCKS) >= 4 and len(BASH_BLOCKS) >= 2


def claimed_value(line):
    """The literal a line's trailing comment claims for its expression, if it is one"""
    if "#" not in line:
        return None, False
    comment = line.split("#", 1)[1].strip()
    try:
        return ast.literal_eval(comment), True
    except (ValueError, SyntaxError):
        return None, False


def run_block(text, name):
    namespace = {"__name__": "__readme__"}
    lines = text.splitlines()
    for statement in ast.parse(text, name).body:
        code = compile(ast.Module([statement], []), name, "exec")
        if not isinstance(statement, ast.Expr):
            exec(code, namespace)
            continue
        value = eval(compile(ast.Expression(statement.value), name, "eval"), namespace)
        claimed, has_claim = claimed_value(lines[statement.end_lineno - 1])
        if has_claim:
            assert np.array_equal(np.asarray(value), np.asarray(claimed)), (
                f"{name}, line {statement.lineno}: {value!r}, the README says {claimed!r}")


# What a block may need beyond the test extras, and the extra that brings it: such a block
# skips, saying so, where it is absent (CI installs the extras and runs it)
OPTIONAL = {"dask": "dask", "distributed": "dask", "dask_ml": "dask", "skl2onnx": "onnx",
            "onnxruntime": "onnx", "sklearn.callback": "scikit-learn >= 1.9"}


@pytest.mark.parametrize("line,text", PYTHON_BLOCKS, ids=[f"line{n}" for n, _ in PYTHON_BLOCKS])
def test_python_block_runs_as_written(line, text):
    with warnings.catch_warnings():
        # a block may train briefly (the XOR network's max_iter=1): a convergence
        # warning is expected output, not a failure
        warnings.simplefilter("ignore")
        try:
            run_block(text, f"README.md:{line}")
        except ModuleNotFoundError as missing:
            if missing.name not in OPTIONAL:
                raise
            pytest.skip(f"the block needs {missing.name} ({OPTIONAL[missing.name]})")


# ---- bash blocks -------------------------------------------------------------------------

def commands(text):
    """Each command of a block: its words, comments, environment settings and `&&` gone"""
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        command = []
        for word in words + ["&&"]:
            if word == "&&":
                while command and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", command[0]):
                    command.pop(0)
                if command:
                    yield command
                command = []
            else:
                command.append(word)


# the extras of the installed bendernet, as pip reads them from pyproject.toml
EXTRAS = set(metadata("bendernet").get_all("Provides-Extra") or ())


def check_pip(arguments):
    assert arguments[:1] == ["install"], f"pip {arguments}: only pip install is checked"
    for target in arguments[1:]:
        local = re.fullmatch(r"\.(?:\[([\w,-]*)\])?", target)
        if local and local.group(1):
            missing = set(local.group(1).split(",")) - EXTRAS
            assert not missing, f"pip install {target}: bendernet has no extra {missing}"


def check_python(arguments):
    if arguments[0] == "-m":
        module, rest = arguments[1], arguments[2:]
        assert importlib.util.find_spec(module) is not None, f"python -m {module}: no module"
        if module == "pytest":
            for path in (word for word in rest if not word.startswith("-")):
                assert (REPO / path).exists(), f"pytest {path}: no such path"
    else:
        assert (REPO / arguments[0]).is_file(), f"python {arguments[0]}: no such file"


def check_command(command):
    program, arguments = command[0], command[1:]
    if program == "pip":
        check_pip(arguments)
    elif program in ("python", "python3"):
        check_python(arguments)
    elif "/" in program:
        assert os.access(REPO / program, os.X_OK), f"{program}: not an executable file"


@pytest.mark.parametrize("line,text", BASH_BLOCKS, ids=[f"line{n}" for n, _ in BASH_BLOCKS])
def test_bash_block_names_what_exists(line, text):
    for command in commands(text):
        check_command(command)


def test_the_first_commands_are_the_ones_ci_runs():
    ci = (REPO / ".ci" / "run").read_text()
    _, first = BASH_BLOCKS[0]
    ci_lines = [line.strip() for line in ci.splitlines()]
    for line in first.splitlines():
        command = line.split("#", 1)[0].strip()
        assert command in ci_lines, f"README's {command!r} is not a line of .ci/run"

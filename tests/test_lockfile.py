"""The lock files: every dependency pinned to one version with its hashes, within the ranges the
project asks for, and the environment the tests run in is exactly the one they lock."""

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)\s*\\$")
HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}(\s*\\)?$")


def locked(name: str) -> dict[str, str]:
    """{package: version} of a lock file, every pin followed by at least one hash."""
    pins, current, hashes = {}, None, 0
    for line in (ROOT / name).read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if match := PIN.match(line):
            assert current is None or hashes, f"{name}: {current} has no hash"
            current, hashes = canonicalize_name(match[1]), 0
            assert current not in pins, f"{name}: {current} pinned twice"
            pins[current] = match[2]
        else:
            assert HASH.match(line), f"{name}: not a pin or a hash: {line!r}"
            hashes += 1
    assert current is None or hashes, f"{name}: {current} has no hash"
    return pins


def ranges(name: str) -> list[Requirement]:
    """The requirements a requirements file asks for, following its `-r` includes."""
    found = []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += ranges(line.removeprefix("-r ").strip())
        elif line:
            found.append(Requirement(line))
    return found


@pytest.mark.parametrize(
    ("lock", "wanted"),
    [("requirements.lock", "requirements.txt"), ("requirements-dev.lock", "requirements-dev.txt")],
)
def test_every_requirement_is_pinned_within_its_range(lock, wanted):
    pins = locked(lock)
    for requirement in ranges(wanted):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} does not pin {requirement.name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {requirement.name} {pins[name]}, outside {requirement.specifier}"
        )


def test_the_development_lock_holds_the_runtime_lock_unchanged():
    runtime, development = locked("requirements.lock"), locked("requirements-dev.lock")
    assert {name: development.get(name) for name in runtime} == runtime


def test_the_tests_run_in_the_locked_environment():
    """`make test` installs from requirements-dev.lock with --require-hashes: what is installed
    here is what the lock says, so a fresh install from it is what these tests passed on."""
    different = {}
    for name, pinned in locked("requirements-dev.lock").items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            different[name] = (pinned, installed)
    assert different == {}

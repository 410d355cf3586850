"""Session fixtures for the leakdump end-to-end tests.

Parametrisation: a test taking `go_version` runs once per version in
LEAKDUMP_GO_VERSIONS (default: every release in the go-versions file); one
taking `fixture_name` runs once per fixture program (parked, many).  Toolchains are fetched once,
every fixture is built once per version (cached in tests/e2e/.work/ by source
hash), and every process a test starts is killed at teardown.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import harness  # noqa: E402


def pytest_generate_tests(metafunc):
    if "go_version" in metafunc.fixturenames:
        metafunc.parametrize("go_version", harness.go_versions(),
                             ids=["go" + v for v in harness.go_versions()])
    if "fixture_name" in metafunc.fixturenames:
        mark = metafunc.definition.get_closest_marker("fixtures")
        names = list(mark.args) if mark else harness.FIXTURE_NAMES
        metafunc.parametrize("fixture_name", names)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "fixtures(*names): restrict the fixture_name parameter")


@pytest.fixture(scope="session")
def toolchains():
    versions = harness.go_versions()
    harness.fetch_toolchains(versions)
    return {v: harness.goroot(v) for v in versions}


class Builds:
    def __init__(self):
        self._cache = {}

    def exe(self, version, fixture, variant="", ldflags="", flags=()):
        key = (version, fixture, variant, ldflags, tuple(flags))
        if key not in self._cache:
            self._cache[key] = harness.build(version, fixture, variant, ldflags,
                                             flags)
        return self._cache[key]


@pytest.fixture(scope="session")
def builds(toolchains):
    return Builds()


@pytest.fixture
def spawn(builds, tmp_path):
    """spawn(version, fixture, args=None, env=None, exe=None) -> ready
    FixtureProcess; killed at teardown whatever happens."""
    started = []

    def _spawn(version, fixture, args=None, env=None, exe=None):
        exe = exe or builds.exe(version, fixture)
        outdir = tmp_path / ("%s-go%s-%d" % (fixture, version, len(started)))
        args = harness.FIXTURE_ARGS.get(fixture, []) if args is None else args
        fp = harness.FixtureProcess(exe, outdir, args, env)
        started.append(fp)
        return fp.wait_ready()

    yield _spawn
    for fp in started:
        fp.stop()


@pytest.fixture(scope="session")
def tool():
    """The leak-dump GDB commands must exist: tests that need them fail
    (not skip) with a clear message until `make` has built them."""
    harness.require_tool()
    return harness.GDBINIT


class Cores:
    """One gcore per (version, fixture), taken right after the fixture is
    ready, shared by the core tests.  A gcore of a Go program is over a
    gigabyte, so only the most recent few are kept on disk; an evicted one
    is simply taken again if asked for."""

    KEEP = 4

    def __init__(self, builds, root: Path):
        self.builds, self.root, self._cache = builds, root, {}
        self._taken = 0

    def _evict(self):
        while len(self._cache) >= self.KEEP:
            oldest = next(iter(self._cache))
            _, core, _ = self._cache.pop(oldest)
            try:
                core.unlink()
            except OSError:
                pass

    def get(self, version, fixture):
        key = (version, fixture)
        if key in self._cache:
            self._cache[key] = self._cache.pop(key)   # most recent last
        else:
            self._evict()
            self._taken += 1
            exe = self.builds.exe(version, fixture)
            outdir = self.root / ("%s-go%s-%d" % (fixture, version, self._taken))
            args = harness.FIXTURE_ARGS.get(
                fixture, harness.EXTRA_FIXTURES.get(fixture, []))
            fp = harness.FixtureProcess(exe, outdir, args)
            try:
                fp.wait_ready()
                core = harness.gcore(fp.pid, outdir / (fixture + ".core"))
            finally:
                fp.stop()
            self._cache[key] = (exe, core, fp)
        return self._cache[key]

    def cleanup(self):
        for _, core, _ in self._cache.values():
            try:
                core.unlink()
            except OSError:
                pass


@pytest.fixture(scope="session")
def cores(builds, tmp_path_factory):
    c = Cores(builds, tmp_path_factory.mktemp("cores"))
    yield c
    c.cleanup()


TEST_TIMEOUT = int(os.environ.get("LEAKDUMP_TEST_TIMEOUT", "600"))


class LeakdumpTestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _test_timeout():
    """No test may hang: SIGALRM fails it after LEAKDUMP_TEST_TIMEOUT s
    (the processes it started are then killed by their fixtures)."""
    def fire(signum, frame):
        raise LeakdumpTestTimeout("test exceeded %ss" % TEST_TIMEOUT)
    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(autouse=True, scope="session")
def _kill_everything_at_end():
    yield
    harness.kill_all()

"""Suite-wide rules: no mocks, declared markers, and a closing table of what ran.

``FORBID_MOCKS=1`` (set by ``make test``) fails the run when any of our sources imports a
mocking library, and turns pytest's ``monkeypatch`` fixture into a failure. Each test's
suite is its marker; the table at the end shows, per suite, how many tests passed, failed
and were skipped, with each distinct skip reason, so that a skipped real-system suite is
never mistaken for a passed one.
"""

from __future__ import annotations

import ast
import asyncio
import os
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from _pytest.fixtures import FixtureDef  # pytest 7.2 (Debian 12) exports neither
from _pytest.terminal import TerminalReporter

from support import suites

_outcomes: dict[str, Counter[str]] = defaultdict(Counter)
_skips: dict[str, Counter[str]] = defaultdict(Counter)


MOCK_MODULES = ("unittest.mock", "mock", "pytest_mock", "asynctest")
ROOT = Path(__file__).resolve().parents[1]


def _mock_imports(path: Path) -> list[str]:
    """``file:line`` of every import of a mocking library in one source file."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        if any(n == m or n.startswith(m + ".") for n in names for m in MOCK_MODULES):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _check_no_mocks() -> None:
    """Our own code (src/ and tests/) must not import a mocking library. Third-party
    libraries may import ``unittest.mock`` for their own reasons (hypothesis does), so the
    check reads our sources instead of ``sys.modules``."""
    if os.environ.get("FORBID_MOCKS") != "1":
        return
    found = [hit for tree in ("src", "tests") for p in sorted((ROOT / tree).rglob("*.py"))
             for hit in _mock_imports(p)]
    if found:
        pytest.exit(f"FORBID_MOCKS=1 but mocking libraries are imported at: {', '.join(found)}",
                    returncode=3)


def pytest_collection_finish(session: pytest.Session) -> None:
    _check_no_mocks()


@pytest.fixture
def monkeypatch() -> None:
    """Monkeypatching our own code is forbidden: this replaces pytest's fixture so any test
    asking for it fails with the reason."""
    if os.environ.get("FORBID_MOCKS") == "1":
        pytest.fail("FORBID_MOCKS=1: the monkeypatch fixture is not allowed; test the real thing")
    pytest.skip("monkeypatch is not used in this project")


# pytest-asyncio 0.20 (Debian 12) closes each test's loop, then sets a fresh one as the main
# thread's current loop "so that get_event_loop() succeeds". A later synchronous test that
# calls ``asyncio.run`` replaces that loop with its own and unsets it at the end, so nothing
# closes the fresh one: the garbage collector finds it (and its AF_UNIX self-pipe) unclosed
# later, and ResourceWarning fails whichever test is running then. The hooks below keep every
# such loop and close it once it is no longer the current one.
_spare_loops: list[asyncio.AbstractEventLoop] = []


def _current_loop() -> asyncio.AbstractEventLoop | None:
    """Only once pytest-asyncio has set a loop: before that, asking would make one."""
    try:
        return asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:  # unset (asyncio.run does that when it ends)
        return None


def _close_spare_loops(keep: asyncio.AbstractEventLoop | None) -> None:
    for loop in [lp for lp in _spare_loops if lp is not keep]:
        _spare_loops.remove(loop)
        if not loop.is_closed() and not loop.is_running():
            loop.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_post_finalizer(fixturedef: FixtureDef[object]) -> object:
    yield  # pytest-asyncio's own hook sets the fresh loop
    if fixturedef.argname == "event_loop":
        loop = _current_loop()
        if loop is not None and loop not in _spare_loops:
            _spare_loops.append(loop)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown() -> object:
    yield
    if _spare_loops:
        _close_spare_loops(keep=_current_loop())


def _suite(item: pytest.Item) -> str:
    # the most specific real-system marker wins: a `mediamtx` test that is also `integration`
    # counts as `mediamtx`, so its skip shows under that suite
    names = {m.name for m in item.iter_markers()}
    for suite in ("system", "hardware", "mediamtx", "browser", "ivv", "contract", "integration", "unit"):
        if suite in names:
            return suite
    return "unmarked"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        item.user_properties.append(("suite", _suite(item)))


def _report_suite(report: pytest.TestReport) -> str:
    """The suite ``pytest_collection_modifyitems`` recorded among the item's user properties."""
    suite = dict(report.user_properties).get("suite")
    return suite if isinstance(suite, str) else "unmarked"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    suite = _report_suite(report)
    _outcomes[suite]["ms"] += round(report.duration * 1000)  # setup, call and teardown
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.skipped:
            _outcomes[suite]["skipped"] += 1
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            _skips[suite][reason.removeprefix("Skipped: ")] += 1
        elif report.failed:
            _outcomes[suite]["failed"] += 1
        else:
            _outcomes[suite]["passed"] += 1
    elif report.when == "teardown" and report.failed:
        _outcomes[suite]["errors"] += 1


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--suites-json", metavar="PATH", default=None,
                     help="also write the suites table's counts to PATH (tools/test-suites.sh "
                          "merges the system suite's process with the others')")


def pytest_sessionfinish(session: pytest.Session) -> None:
    _close_spare_loops(keep=None)
    path = session.config.getoption("suites_json")
    if path:
        suites.save(Path(path), _outcomes, _skips)


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    terminalreporter.section("suites")
    for line in suites.table_lines(_outcomes, _skips):
        terminalreporter.write_line(line)

import os

import pytest

from interlock import agents

from .harness import World


def _binary_or_fail(agent):
    b = agents.find_binary(agent)
    if b:
        return b
    pkg, ver, prog = agents.PACKAGES[agent]
    msg = (f"{prog} ({pkg}@{ver}) is not installed: ./scripts/test installs the pinned agents "
           "(or set INTERLOCK_AGENTS_BIN to a directory holding them)")
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture
def world(tmp_path, request):
    agent = request.param if hasattr(request, "param") else request.getfixturevalue("agent")
    _binary_or_fail(agent)
    w = World(tmp_path, agent)
    yield w
    w.close()

"""The pipeline as `meetwatch analyze` runs it in a workplace (attention only), loaded once
per module because its models take seconds to load."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from meetwatch.config import Config
from meetwatch.pipeline import Perception


@pytest.fixture(scope="module")
def perception() -> Iterator[Perception]:
    p = Perception(Config.model_validate({"privacy": {"attention_only": True}}))
    yield p
    p.close()

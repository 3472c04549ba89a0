from tests.unit.reports.fixtures import demo_store, reports  # noqa: F401

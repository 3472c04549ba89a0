"""aggregation stage."""

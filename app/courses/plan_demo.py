"""Demo training plans of the demo enterprises."""


def load_demo_plans() -> None:
    """Create the demo plans once (filled in by the plans work)."""

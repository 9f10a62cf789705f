"""Demo law trainings of the year across most of the 14 regions."""


def load_demo_law_trainings() -> None:
    """Create the demo trainings once (filled in by the law-trainings work)."""

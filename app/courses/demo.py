"""The demo catalogue: post trainings for the 四保一服 posts and project managers, and the
special trainings (law, finance and tax, standardisation)."""


def load_demo_courses() -> None:
    """Create the demo courses once (filled in by the catalogue work)."""

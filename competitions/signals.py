"""What the competitions package tells its other parts (blinker, which ships with Flask)."""

from blinker import Namespace

_signals = Namespace()

# Sent with the event id whenever something its board shows may have changed (a score, a
# ruling, a freeze, a sign-off, a release). The live board publishes it once the request's
# transaction has committed, so that no viewer reads a board from before the change.
standings_changed = _signals.signal("standings-changed")

"""The demo questions of the provincial bank: a Moodle XML file imported as an upload is.

`data/demo_questions.xml` holds 220 questions for property-service staff (post-training
tests and the theory exam of the 物业管理员/物业管理师 skill levels). Posts, levels and
difficulty travel as the bank's own Moodle tags ("岗位:保安", "等级:4", "难度:中等"), the
knowledge point as the category. Edit it in the bank (export, change, import) or by hand.
"""

from importlib.resources import files

from question_bank.models import PROVINCIAL_BANK
from question_bank.services import ImportReport, import_questions

DATA_FILE = "demo_questions.xml"


def demo_questions_file() -> bytes:
    """The demo questions as the file an association editor would upload."""
    return (files("app.demo") / "data" / DATA_FILE).read_bytes()


def load_demo_questions() -> ImportReport:
    """Import the demo questions missing from the provincial bank (the others are skipped
    as duplicates); all or nothing, with the upload's own checks."""
    return import_questions(PROVINCIAL_BANK, DATA_FILE, demo_questions_file())

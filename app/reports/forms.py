"""Forms of the reports: the certified-on-duty rate's settings."""

from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from app.reports.rules import rates as rules
from app.web import BaseForm


def _occupations_valid(form, field) -> None:
    try:
        rules.parse_occupations(field.data or "")
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _target_valid(form, field) -> None:
    try:
        rules.parse_target(field.data or "")
    except ValueError as error:
        raise ValidationError(str(error)) from None


class RateSettingsForm(BaseForm):
    """One text area per counted post (occupations, one per line), one target per region."""

    @classmethod
    def build(cls, regions):
        """The form class with a field per post and per region, instantiated."""

        class Form(cls):
            pass

        for post in rules.COUNTED_POSTS:
            setattr(
                Form,
                f"post_{post.value}",
                TextAreaField(
                    post.label,
                    validators=[Optional(), Length(max=1500), _occupations_valid],
                    description="每行一个职业（工种）",
                ),
            )
        for region in regions:
            setattr(
                Form,
                f"target_{region.id}",
                StringField(
                    region.name,
                    validators=[Optional(), Length(max=12), _target_valid],
                    description="目标持证上岗率（%），留空表示不设",
                ),
            )
        form = Form()
        form.region_ids = [region.id for region in regions]
        return form

    def fill(self, mapping, targets) -> None:
        for post in rules.COUNTED_POSTS:
            self[f"post_{post.value}"].data = "\n".join(mapping.get(post.value, ()))
        for region_id in self.region_ids:
            target = targets.get(region_id)
            self[f"target_{region_id}"].data = "" if target is None else f"{target * 100:.2f}"

    def occupations(self) -> dict[str, list[str]]:
        return {
            post.value: rules.parse_occupations(self[f"post_{post.value}"].data or "")
            for post in rules.COUNTED_POSTS
        }

    def targets(self) -> dict[int, int | None]:
        return {
            region_id: rules.parse_target(self[f"target_{region_id}"].data or "")
            for region_id in self.region_ids
        }
